using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg bench layer`: times forward+backward of the sparse grid layer for the fused, tensor-op and dense paths.</summary>
public sealed class BenchCommand : ICliCommand
{
    private static readonly Dictionary<string, GridType> Types = new()
    {
        ["linear"] = GridType.Linear,
        ["boundary"] = GridType.LinearBoundary,
        ["extended-boundary"] = GridType.LinearExtendedBoundary,
        ["modlinear"] = GridType.ModifiedLinear,
    };

    /// <inheritdoc />
    public string Name => "bench";

    /// <inheritdoc />
    public string Summary => "Benchmarks: `bench layer` times the sparse grid layer's fused, tensor-op and dense paths.";

    /// <inheritdoc />
    public string Usage =>
        "nsg bench layer --dim D --level N [--batch B] [--outputs O] [--type linear|boundary|extended-boundary|modlinear]\n" +
        "                [--dtype float32|float64] [--repeats R] [--dense-max-bytes BYTES] [--seed S] [--json]\n\n" +
        "Times one forward+backward step (median of R, after a warm-up) of the sparse grid layer for the fused CPU kernel,\n" +
        "the tensor-op path and the dense basis-matrix path in one run, and prints the ratios. The dense path refuses when\n" +
        "its basis matrix would exceed --dense-max-bytes (default 1 GiB) and reports the size instead. With --json the last\n" +
        "line is one JSON object: fusedMs, tensorOpsMs, denseMs (null if refused), tensorOpsOverFused, denseOverFused,\n" +
        "peakBytes (bytes the fused step allocates besides the coefficients), points, threads and the settings.";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string? what = args.Positional();
        if (what != "layer") throw new CliUsageException($"nsg bench: expected `layer`, got '{what ?? ""}'.");
        int dim = args.Int("dim", 0, 1, 64);
        int level = args.Int("level", 0, 1, 30);
        if (dim == 0 || level == 0) throw new CliUsageException("--dim and --level are required.");
        int batch = args.Int("batch", 128, 1, 1 << 24);
        int outputs = args.Int("outputs", 1, 1, 1 << 16);
        var type = args.Choice("type", GridType.Linear, Types);
        var dtype = args.Choice("dtype", ScalarType.Float32, new Dictionary<string, ScalarType> { ["float32"] = ScalarType.Float32, ["float64"] = ScalarType.Float64 });
        int repeats = args.Int("repeats", 10, 1, 10000);
        long denseMax = (long)args.Double("dense-max-bytes", 1L << 30, 0);
        int seed = args.Int("seed", 1, 0);
        args.EnsureAllConsumed();

        TorchRuntime.EnsureLoaded();
        var layer = new SparseGridLayer(dim, level, type, outputs, new SparseGridLayerOptions
        {
            DType = dtype, Init = CoefficientInit.SmallNormal, Seed = seed, DenseMaxBytes = denseMax,
        });
        using var generator = new Generator((ulong)seed);
        using var h = rand([batch, dim], dtype, generator: generator);
        using var upstream = randn([batch, outputs], dtype, generator: generator);
        if (!context.Json) context.Out.WriteLine($"{layer.Grid}; batch {batch}, {outputs} outputs, {dtype}, {get_num_threads()} torch threads");

        double fused = Time(layer, LayerPath.Fused, h, upstream, repeats);
        Report(context, "fused", fused, fused);
        double tensorOps = Time(layer, LayerPath.TensorOps, h, upstream, repeats);
        Report(context, "tensor-op", tensorOps, fused);
        double? dense = null;
        string? denseRefusal = null;
        try
        {
            dense = Time(layer, LayerPath.Dense, h, upstream, Math.Min(repeats, 3));
            Report(context, "dense", dense.Value, fused);
        }
        catch (DenseBasisTooLargeException e)
        {
            denseRefusal = e.Message;
            if (!context.Json) context.Out.WriteLine($"  dense      refused: {e.Message}");
        }
        long peak = layer.FusedPeakBytes(batch);
        if (!context.Json) context.Out.WriteLine($"  fused peak extra memory {GridTooLargeException.FormatBytes(peak)} ({peak:N0} bytes)");
        if (context.Json)
        {
            context.WriteJson(new
            {
                dim, level, type = type.ToString(), batch, outputs, dtype = dtype.ToString(), points = layer.Grid.PointCount,
                subspaces = layer.Grid.SubspaceCount, threads = get_num_threads(), repeats,
                fusedMs = fused, tensorOpsMs = tensorOps, denseMs = dense,
                tensorOpsOverFused = tensorOps / fused, denseOverFused = dense / fused,
                peakBytes = peak, denseRefusal,
            });
        }
        return 0;
    }

    private static void Report(CliContext context, string name, double ms, double fused)
    {
        if (!context.Json) context.Out.WriteLine($"  {name,-10} {ms,10:F3} ms/step   {ms / fused,8:F1}x fused");
    }

    /// <summary>Median milliseconds of one forward+backward step (loss = sum(y * upstream)) after one warm-up step.</summary>
    private static double Time(SparseGridLayer layer, LayerPath path, Tensor h, Tensor upstream, int repeats)
    {
        var times = new List<double>();
        for (int r = -1; r < repeats; r++)
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            var x = h.clone().requires_grad_(true);
            var watch = Stopwatch.StartNew();
            var y = layer.Evaluate(x, layer.Coefficients, path);
            (y * upstream).sum().backward();
            watch.Stop();
            if (r >= 0) times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
