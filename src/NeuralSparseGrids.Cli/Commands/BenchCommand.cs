using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using static TorchSharp.torch;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg bench layer`: times forward+backward of the sparse grid layer for the fused, tensor-op and dense paths.</summary>
public sealed class BenchCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "bench";

    /// <inheritdoc />
    public string Summary => "Benchmarks: `bench layer` times the sparse grid layer's paths; `bench density` the class-density fit; `bench ood` the density score against kernel-density and nearest-neighbour yardsticks; `bench onnx` ONNX Runtime vs TorchSharp.";

    /// <inheritdoc />
    public string Usage =>
        "nsg bench layer --dim D (--level N | --levels A,B,...) [--batch B] [--outputs O] [--grid linear|boundary|extended-boundary|modified-linear]\n" +
        "                [--dtype float32|float64] [--repeats R] [--warmup W] [--dense-max-bytes BYTES] [--seed S] [--json]\n" +
        "nsg bench layer --dim D --level N --versus traded[:K] [--batch B] [--outputs O] [--repeats R] [--warmup W] [--json]\n\n" +
        "Times one forward+backward step (median of R, after a warm-up) of the sparse grid layer for the fused CPU kernel,\n" +
        "the tensor-op path and the dense basis-matrix path in one run, and prints the ratios. The dense path refuses when\n" +
        "its basis matrix would exceed --dense-max-bytes (default 1 GiB) and reports the size instead. With --json the last\n" +
        "line is one JSON object: fusedMs, tensorOpsMs, denseMs (null if refused), tensorOpsOverFused, denseOverFused,\n" +
        "peakBytes (bytes the fused step allocates besides the coefficients), points, threads and the settings, plus\n" +
        "process-CPU-time figures (fusedCpuMs, ..., tensorOpsOverFusedCpu) and the load average, since wall-clock\n" +
        "ratios on a shared machine depend on other load. fusedGflops is the fused step's arithmetic rate: per sample and\n" +
        "subspace (d dimensions, O outputs) the forward pass does d - 1 multiplications for the basis product and 2 O for\n" +
        "the multiply-add into the outputs, the backward pass 2 O for dL/dC, 2 O for the upstream dot product and 3 d for\n" +
        "dL/dh (prefix product, suffix product, derivative times both), so 6 O + 4 d - 1 flops, times batch x subspaces\n" +
        "(one active function per dimension; boundary grids do more, so this is a lower bound for them). peakGflops is a\n" +
        "float32 1024 x 1024 matrix product in libtorch with the same threads in the same run (2 x 1024^3 flops), the\n" +
        "machine's practical peak; fusedOverPeak is their ratio.\n" +
        "The warm-up of the fused and tensor-op paths runs steps until the .NET runtime has compiled no method for 40 steps\n" +
        "and 1 s (the steady state of a training run: until then tiered compilation recompiles hot methods on a background\n" +
        "thread, which takes a core from the kernel's threads); --warmup W runs exactly W warm-up steps instead (earlier\n" +
        "figures used 1). The dense path always runs one. --json adds fusedWarmup and tensorOpsWarmup (calls, seconds,\n" +
        "methodsCompiled, settled).\n\n" + GeneralizedGridBench.Usage + "\n\n" + DensityBenchmark.Usage + "\n\n" + OodBenchmark.Usage + "\n\n" + OnnxBench.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string? what = args.Positional();
        if (what == "density") return DensityBenchmark.Run(args, context);
        if (what == "ood") return OodBenchmark.Run(args, context);
        if (what == "onnx") return OnnxBench.Run(args, context);
        if (what != "layer") throw new CliUsageException($"nsg bench: expected `layer`, got '{what ?? ""}'.");
        int[]? levels = ExperimentOptions.ParseLevels(args);
        int dim = args.Int("dim", 0, 1, 64);
        int level = levels?.Max() ?? args.Int("level", 0, 1, 30);
        if (dim == 0 || level == 0) throw new CliUsageException("--dim and --level (or --levels, one per dimension) are required.");
        if (levels is not null && levels.Length != dim) throw new CliUsageException($"--levels gives {levels.Length} levels for --dim {dim}: give one per dimension.");
        int batch = args.Int("batch", 128, 1, 1 << 24);
        int outputs = args.Int("outputs", 1, 1, 1 << 16);
        // Spelled as in `nsg train` and `nsg grid`.
        var type = args.Choice("grid", GridType.Linear, ExperimentOptions.GridTypes);
        var dtype = args.Choice("dtype", ScalarType.Float32, new Dictionary<string, ScalarType> { ["float32"] = ScalarType.Float32, ["float64"] = ScalarType.Float64 });
        int repeats = args.Int("repeats", 10, 1, 10000);
        int? warmup = args.String("warmup") is null ? null : args.Int("warmup", 1, 0, 100000);
        long denseMax = (long)args.Double("dense-max-bytes", 1L << 30, 0);
        int seed = args.Int("seed", 1, 0);
        string? versus = args.String("versus");
        args.EnsureAllConsumed();

        TorchRuntime.EnsureLoaded();
        if (versus is not null)
        {
            int? trades = null;
            if (versus.StartsWith("traded:", StringComparison.Ordinal) && int.TryParse(versus["traded:".Length..], out int k) && k >= 1) trades = k;
            else if (versus != "traded") throw new CliUsageException($"--versus: expected `traded` or `traded:K` (K >= 1 trades), got '{versus}'.");
            if (levels is not null) throw new CliUsageException("--versus traded compares a regular grid (--level) with a non-regular one; drop --levels.");
            return GeneralizedGridBench.Run(SparseGrid.Create(dim, level, type, outputs), trades, new LayerBenchSettings(batch, outputs, dtype, repeats, seed, warmup), context);
        }
        var layer = new SparseGridLayer(SparseGrid.CreateForLevels(dim, level, levels, type, outputs), outputs, new SparseGridLayerOptions
        {
            DType = dtype, Init = CoefficientInit.SmallNormal, Seed = seed, DenseMaxBytes = denseMax,
        });
        using var generator = new Generator((ulong)seed);
        using var h = rand([batch, dim], dtype, generator: generator);
        using var upstream = randn([batch, outputs], dtype, generator: generator);
        if (!context.Json) context.Out.WriteLine($"{layer.Grid}; batch {batch}, {outputs} outputs, {dtype}, {get_num_threads()} torch threads");

        var (fused, fusedCpu, fusedWarmup) = Time(layer, LayerPath.Fused, h, upstream, repeats, warmup);
        Report(context, "fused", fused, fused, fusedCpu, fusedCpu, fusedWarmup);
        var (tensorOps, tensorOpsCpu, tensorOpsWarmup) = Time(layer, LayerPath.TensorOps, h, upstream, repeats, warmup);
        Report(context, "tensor-op", tensorOps, fused, tensorOpsCpu, fusedCpu, tensorOpsWarmup);
        double? dense = null, denseCpu = null;
        string? denseRefusal = null;
        try
        {
            var (wall, cpu, denseWarmup) = Time(layer, LayerPath.Dense, h, upstream, Math.Min(repeats, 3), warmup: 1);
            (dense, denseCpu) = (wall, cpu);
            Report(context, "dense", wall, fused, cpu, fusedCpu, denseWarmup);
        }
        catch (DenseBasisTooLargeException e)
        {
            denseRefusal = e.Message;
            if (!context.Json) context.Out.WriteLine($"  dense      refused: {e.Message}");
        }
        double fusedGflops = FusedFlops(dim, outputs, batch, layer.Grid.SubspaceCount) / (fused * 1e6);
        double peakGflops = MatmulGflops(repeats);
        if (!context.Json) context.Out.WriteLine($"  fused {fusedGflops:F2} GFLOP/s; float32 1024x1024 matmul {peakGflops:F1} GFLOP/s; ratio {fusedGflops / peakGflops:F3}");
        long peak = layer.FusedPeakBytes(batch);
        if (!context.Json) context.Out.WriteLine($"  fused peak extra memory {GridTooLargeException.FormatBytes(peak)} ({peak:N0} bytes)");
        if (context.Json)
        {
            context.WriteJson(new
            {
                dim, level, levels, type = type.ToString(), batch, outputs, dtype = dtype.ToString(), points = layer.Grid.PointCount,
                subspaces = layer.Grid.SubspaceCount, threads = get_num_threads(), repeats,
                fusedWarmup = WarmupJson(fusedWarmup), tensorOpsWarmup = WarmupJson(tensorOpsWarmup),
                fusedMs = fused, tensorOpsMs = tensorOps, denseMs = dense,
                tensorOpsOverFused = tensorOps / fused, denseOverFused = dense / fused,
                peakBytes = peak, denseRefusal, fusedGflops, peakGflops, fusedOverPeak = fusedGflops / peakGflops,
                fusedCpuMs = fusedCpu, tensorOpsCpuMs = tensorOpsCpu, denseCpuMs = denseCpu,
                tensorOpsOverFusedCpu = tensorOpsCpu / fusedCpu, denseOverFusedCpu = denseCpu / fusedCpu,
                loadAverage = MachineLoad.OneMinute(),
            });
        }
        return 0;
    }

    /// <summary>Flops of one forward+backward step of the fused layer (formula in the usage text).</summary>
    internal static double FusedFlops(int dim, int outputs, int batch, long subspaces) => (6.0 * outputs + 4.0 * dim - 1) * batch * subspaces;

    /// <summary>GFLOP/s of a float32 1024 x 1024 matrix product (median of the repeats after a warm-up).</summary>
    private static double MatmulGflops(int repeats)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var a = rand([1024, 1024], ScalarType.Float32, generator: generator);
        var b = rand([1024, 1024], ScalarType.Float32, generator: generator);
        var times = new List<double>();
        for (int r = -1; r < Math.Max(repeats, 5); r++)
        {
            using var inner = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            matmul(a, b).Dispose();
            if (r >= 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        return 2.0 * 1024 * 1024 * 1024 / Statistics.Median(times) / 1e9;
    }

    private static void Report(CliContext context, string name, double ms, double fused, double cpuMs, double fusedCpu, JitSettling.Result warmup)
    {
        if (!context.Json)
            context.Out.WriteLine($"  {name,-10} {ms,10:F3} ms/step {ms / fused,8:F1}x fused   (process CPU {cpuMs,10:F3} ms/step {cpuMs / fusedCpu,8:F1}x; {warmup})");
    }

    /// <summary>A warm-up as the layer benchmarks' JSON carries it.</summary>
    internal static object WarmupJson(JitSettling.Result w) => new { calls = w.Calls, seconds = w.Seconds, methodsCompiled = w.MethodsCompiled, settled = w.Settled };

    /// <summary>
    /// Median wall-clock milliseconds of one forward+backward step (loss = sum(y * upstream)) and the median process
    /// CPU time of a step (all threads; less sensitive to other load on the machine), after <paramref name="warmup"/>
    /// warm-up steps, or (null) a warm-up until the runtime's compiler is quiet (<see cref="WarmUp"/>).
    /// </summary>
    private static (double wallMs, double cpuMs, JitSettling.Result warmup) Time(SparseGridLayer layer, LayerPath path, Tensor h, Tensor upstream, int repeats, int? warmup)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        var settled = WarmUp(() => TimeStep(layer, path, h, upstream, process), warmup);
        for (int r = 0; r < repeats; r++)
        {
            var (w, c) = TimeStep(layer, path, h, upstream, process);
            wall.Add(w);
            cpu.Add(c);
        }
        return (Statistics.Median(wall), Statistics.Median(cpu), settled);
    }

    /// <summary>
    /// The layer benchmarks' warm-up: exactly <paramref name="calls"/> calls of <paramref name="step"/> if given, else
    /// calls until the runtime's compiler is quiet (<see cref="JitSettling.WarmUp"/>: the steady state of a training run).
    /// </summary>
    internal static JitSettling.Result WarmUp(Action step, int? calls) =>
        calls is null ? JitSettling.WarmUp(step) : JitSettling.Fixed(step, calls.Value);

    /// <summary>Wall-clock and process-CPU milliseconds of one forward+backward step (loss = sum(y * upstream)).</summary>
    internal static (double wallMs, double cpuMs) TimeStep(SparseGridLayer layer, LayerPath path, Tensor h, Tensor upstream, Process process)
    {
        using var scope = NewDisposeScope();
        layer.zero_grad();
        var x = h.clone().requires_grad_(true);
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var y = layer.Evaluate(x, layer.Coefficients, path);
        (y * upstream).sum().backward();
        watch.Stop();
        process.Refresh();
        return (watch.Elapsed.TotalMilliseconds, (process.TotalProcessorTime - cpu0).TotalMilliseconds);
    }
}
