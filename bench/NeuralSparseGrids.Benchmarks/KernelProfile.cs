using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using TorchSharp;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `kernel-profile`: the fused kernel alone on raw buffers (no TorchSharp, no allocation per step), forward and
/// backward timed separately, with the thread count given: the micro-benchmark behind the kernel's speed work.
/// Prints the median wall and process-CPU milliseconds per pass and the fastest call's wall time with the arithmetic
/// rate by `nsg bench layer`'s flop count (forward: d - 1 + 2 O, backward: 4 O + 3 d per sample and subspace); on a
/// loaded machine the fastest call is the one least disturbed. --no-gh / --no-gc drop dL/dh or dL/dC from the backward
/// pass (what each costs); --autograd adds `nsg bench layer`'s whole step through TorchSharp's autograd (what the
/// layer costs around the kernel). Run: dotnet run -c Release --project bench/NeuralSparseGrids.Benchmarks -- kernel-profile
/// </summary>
public static class KernelProfile
{
    /// <summary>args: [--dim 8] [--level 7] [--batch 128] [--outputs 10] [--threads 1] [--repeats 50] [--dtype float32|float64] [--grid linear|boundary|...] [--scalar] [--no-gh] [--no-gc] [--autograd] [--step-only].</summary>
    private static bool Breakdown;

    public static int Run(string[] args)
    {
        Breakdown = args.Contains("--breakdown");
        int dim = Option(args, "--dim", 8), level = Option(args, "--level", 7), batch = Option(args, "--batch", 128);
        int outputs = Option(args, "--outputs", 10), threads = Option(args, "--threads", 1), repeats = Option(args, "--repeats", 50);
        string dtype = Text(args, "--dtype", "float32"), gridName = Text(args, "--grid", "linear");
        bool vectorize = !args.Contains("--scalar");
        // Which gradients the backward pass computes (both by default, as in training).
        bool wantGh = !args.Contains("--no-gh"), wantGc = !args.Contains("--no-gc");
        // The whole training step of `nsg bench layer` (TorchSharp autograd around the same kernel) for comparison.
        bool autograd = args.Contains("--autograd");
        // Only the autograd step (for a profiler such as perf: no kernel-only passes in the samples).
        bool stepOnly = args.Contains("--step-only");
        var type = gridName switch
        {
            "boundary" => GridType.LinearBoundary,
            "extended-boundary" => GridType.LinearExtendedBoundary,
            "modified-linear" => GridType.ModifiedLinear,
            _ => GridType.Linear,
        };
        var grid = SparseGrid.Create(dim, level, type, outputs);
        if (args.Contains("--lex-numbering"))
        {
            // The same subspaces stored lexicographically (l_0 slowest): consecutive blocks share leading levels.
            var lv = grid.SubspaceLevels.ToArray();
            var lists = Enumerable.Range(0, grid.SubspaceCount).Select(s => lv.AsSpan(s * dim, dim).ToArray()).ToList();
            lists.Sort((a, b) => { for (int j = 0; j < dim; j++) { int c = a[j].CompareTo(b[j]); if (c != 0) return c; } return 0; });
            grid = SparseGrid.FromSubspaces(dim, type, lists.Select(l => (IReadOnlyList<int>)l).ToList(), outputs);
        }
        if (args.Contains("--visit-numbering"))
        {
            // The same subspaces numbered in the kernels' visiting order: blocks then follow each other in memory.
            var order = grid.VisitOrder.ToArray();
            var lv = grid.SubspaceLevels.ToArray();
            grid = SparseGrid.FromSubspaces(dim, type, order.Select(s => (IReadOnlyList<int>)lv.AsSpan(s * dim, dim).ToArray()).ToList(), outputs);
            Console.WriteLine($"visit order is identity: {grid.VisitOrder.ToArray().Select((v, i) => v == i).All(x => x)}");
        }
        Console.WriteLine($"{grid}; batch {batch}, {outputs} outputs, {dtype}, {threads} threads, vectorize {vectorize}, Vector<{dtype}> lanes {(dtype == "float64" ? Vector<double>.Count : Vector<float>.Count)}");
        return dtype == "float64"
            ? Profile<double>(grid, batch, outputs, threads, repeats, vectorize, wantGh, wantGc, autograd, stepOnly)
            : Profile<float>(grid, batch, outputs, threads, repeats, vectorize, wantGh, wantGc, autograd, stepOnly);
    }

    private static unsafe int Profile<T>(SparseGrid grid, int n, int o, int threads, int repeats, bool vectorize, bool wantGh, bool wantGc, bool autograd, bool stepOnly)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = grid.Dim;
        long points = grid.PointCount;
        var rng = new Random(1);
        T* h = Alloc<T>(n * d), c = Alloc<T>(points * o), y = Alloc<T>(n * o), g = Alloc<T>(n * o), gh = Alloc<T>(n * d), gc = Alloc<T>(points * o);
        for (long i = 0; i < n * d; i++) h[i] = T.CreateTruncating(rng.NextDouble());
        for (long i = 0; i < points * o; i++) c[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        for (long i = 0; i < n * o; i++) g[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        try
        {
            if (stepOnly)
            {
                Report("step", AutogradStep<T>(grid, n, o, threads, repeats, gradientToNone: true), (d - 1 + 2.0 * o + 4.0 * o + 3.0 * d) * n * grid.SubspaceCount, (double)n * grid.SubspaceCount);
                return 0;
            }
            var forward = Time(repeats, () => FusedKernel<T>.Forward(grid, (nint)h, (nint)c, (nint)y, n, o, threads, vectorize));
            var backward = Time(repeats, () =>
            {
                new Span<T>(gh, n * d).Clear();
                FusedKernel<T>.Backward(grid, (nint)h, (nint)c, (nint)g, wantGh ? (nint)gh : 0, wantGc ? (nint)gc : 0, n, o, threads, vectorize);
            });
            double terms = (double)n * grid.SubspaceCount;
            double forwardFlops = (d - 1 + 2.0 * o) * terms, backwardFlops = (4.0 * o + 3.0 * d) * terms;
            Report("forward", forward, forwardFlops, terms);
            Report("backward", backward, backwardFlops, terms);
            Report("both", (forward.wall + backward.wall, forward.cpu + backward.cpu, forward.minWall + backward.minWall), forwardFlops + backwardFlops, terms);
            var alternated = Time(repeats, () =>
            {
                FusedKernel<T>.Forward(grid, (nint)h, (nint)c, (nint)y, n, o, threads, vectorize);
                new Span<T>(gh, n * d).Clear();
                FusedKernel<T>.Backward(grid, (nint)h, (nint)c, (nint)g, wantGh ? (nint)gh : 0, wantGc ? (nint)gc : 0, n, o, threads, vectorize);
            });
            Report("alternated", alternated, forwardFlops + backwardFlops, terms);
            if (Breakdown) StepBreakdown<T>(grid, n, o, threads, repeats);
            if (autograd)
            {
                Report("step", AutogradStep<T>(grid, n, o, threads, repeats, gradientToNone: true), forwardFlops + backwardFlops, terms);
                Report("step, dL/dC zeroed in place", AutogradStep<T>(grid, n, o, threads, repeats, gradientToNone: false), forwardFlops + backwardFlops, terms);
            }
            Console.WriteLine($"load average {MachineLoad.Text()}");
        }
        finally
        {
            foreach (var p in new[] { (nint)h, (nint)c, (nint)y, (nint)g, (nint)gh, (nint)gc }) NativeMemory.AlignedFree((void*)p);
        }
        return 0;
    }

    private static void Report(string pass, (double wall, double cpu, double minWall) ms, double flops, double terms) =>
        Console.WriteLine($"  {pass,-29} median {ms.wall,8:F3} ms wall {ms.cpu,8:F3} ms CPU ({ms.cpu * 1e6 / terms,6:F2} ns per sample x subspace); " +
                          $"fastest {ms.minWall,8:F3} ms wall ({ms.minWall * 1e6 / terms,6:F2} ns, {flops / (ms.minWall * 1e6),6:F2} GFLOP/s)");

    /// <summary>
    /// Median wall and process-CPU milliseconds of <paramref name="repeats"/> calls after a warm-up until the runtime's
    /// compiler is quiet (<see cref="JitSettling"/>), and the fastest call's wall milliseconds (on a loaded machine the
    /// call least disturbed by other processes).
    /// </summary>
    private static (double wall, double cpu, double minWall) Time(int repeats, Action action)
    {
        JitSettling.WarmUp(action);
        var walls = new List<double>();
        var cpus = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < repeats; r++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            action();
            walls.Add(watch.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpus.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        }
        return (Statistics.Median(walls), Statistics.Median(cpus), walls.Min());
    }

    /// <summary>
    /// `nsg bench layer`'s fused step through TorchSharp's autograd: clone h with grad, forward,
    /// (y * upstream).sum().backward(); the coefficient gradient reset to none before each step (as `nsg bench layer`
    /// does with zero_grad()) or zeroed in place (as the trainer's fused Adam does).
    /// </summary>
    private static (double wall, double cpu, double minWall) AutogradStep<T>(SparseGrid grid, int n, int o, int threads, int repeats, bool gradientToNone)
    {
        using var f = StepFixture.Create<T>(grid, n, o, threads);
        var (layer, h, upstream) = (f.Layer, f.H, f.Upstream);
        return Time(repeats, () => FusedStep(layer, h, upstream, gradientToNone));
    }

    /// <summary>
    /// One step of <see cref="AutogradStep"/>: the coefficient gradient reset (to none, or zeroed in place), h cloned
    /// with grad, forward, (y * upstream).sum().backward().
    /// </summary>
    private static void FusedStep(SparseGridLayer layer, torch.Tensor h, torch.Tensor upstream, bool gradientToNone)
    {
        using var scope = torch.NewDisposeScope();
        if (gradientToNone) layer.zero_grad();
        else layer.Coefficients.grad?.zero_();
        var x = h.clone().requires_grad_(true);
        (layer.Evaluate(x, layer.Coefficients, LayerPath.Fused) * upstream).sum().backward();
    }

    /// <summary>The autograd step in phases (median ms of each): reset + clone, forward through the layer, loss, backward.</summary>
    internal static void StepBreakdown<T>(SparseGrid grid, int n, int o, int threads, int repeats)
    {
        using var f = StepFixture.Create<T>(grid, n, o, threads);
        var (layer, h, upstream) = (f.Layer, f.H, f.Upstream);
        var phases = new List<double>[5];
        for (int i = 0; i < phases.Length; i++) phases[i] = new List<double>();
        JitSettling.WarmUp(() => FusedStep(layer, h, upstream, gradientToNone: true));
        for (int r = 0; r < repeats; r++)
        {
            using var scope = torch.NewDisposeScope();
            var w = Stopwatch.StartNew();
            layer.zero_grad();
            var x = h.clone().requires_grad_(true);
            double t0 = w.Elapsed.TotalMilliseconds;
            var y = layer.Evaluate(x, layer.Coefficients, LayerPath.Fused);
            double t1 = w.Elapsed.TotalMilliseconds;
            var loss = (y * upstream).sum();
            double t2 = w.Elapsed.TotalMilliseconds;
            loss.backward();
            double t3 = w.Elapsed.TotalMilliseconds;
            scope.Dispose();
            double t4 = w.Elapsed.TotalMilliseconds;
            phases[0].Add(t0); phases[1].Add(t1 - t0); phases[2].Add(t2 - t1); phases[3].Add(t3 - t2); phases[4].Add(t4 - t3);
        }
        Console.WriteLine($"  step phases (median ms): reset+clone {Statistics.Median(phases[0]):F3}, forward {Statistics.Median(phases[1]):F3}, loss {Statistics.Median(phases[2]):F3}, backward {Statistics.Median(phases[3]):F3}, dispose {Statistics.Median(phases[4]):F3}");
    }

    /// <summary>`nsg bench layer`'s setting: the layer (seeded small normal coefficients), h (n, d) uniform, upstream (n, o) normal.</summary>
    private sealed class StepFixture : IDisposable
    {
        public required SparseGridLayer Layer { get; init; }
        public required torch.Tensor H { get; init; }
        public required torch.Tensor Upstream { get; init; }

        public static StepFixture Create<T>(SparseGrid grid, int n, int o, int threads)
        {
            TorchRuntime.EnsureLoaded();
            torch.set_num_threads(threads);
            var dtype = typeof(T) == typeof(double) ? torch.ScalarType.Float64 : torch.ScalarType.Float32;
            using var generator = new torch.Generator(1);
            return new StepFixture
            {
                Layer = new SparseGridLayer(grid, o, new SparseGridLayerOptions { DType = dtype, Init = CoefficientInit.SmallNormal, Seed = 1, DenseMaxBytes = 0 }),
                H = torch.rand([n, grid.Dim], dtype, generator: generator),
                Upstream = torch.randn([n, o], dtype, generator: generator),
            };
        }

        public void Dispose()
        {
            Layer.Dispose();
            H.Dispose();
            Upstream.Dispose();
        }
    }

    private static unsafe T* Alloc<T>(long count) where T : unmanaged =>
        (T*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(T)), 64);

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }

    private static string Text(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
