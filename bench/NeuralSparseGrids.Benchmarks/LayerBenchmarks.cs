using BenchmarkDotNet.Attributes;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// One forward+backward step of the sparse grid layer (loss = sum(y * upstream)) for the fused, tensor-op and dense
/// paths, on the two target cases. Dense is skipped (returns at once) when K would exceed its 1 GiB budget.
/// Run: dotnet run -c Release --project bench/NeuralSparseGrids.Benchmarks -- --filter *LayerBenchmarks*
/// </summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    private SparseGridLayer _layer = null!;
    private Tensor _h = null!;
    private Tensor _upstream = null!;

    /// <summary>"dim,level,batch,outputs".</summary>
    [Params("8,7,128,10", "2,6,1024,1")]
    public string Case { get; set; } = "8,7,128,10";

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        var p = Case.Split(',').Select(int.Parse).ToArray();
        _layer = new SparseGridLayer(p[0], p[1], GridType.Linear, p[3], new SparseGridLayerOptions { Init = CoefficientInit.SmallNormal, Seed = 1 });
        using var generator = new Generator(1);
        _h = rand([p[2], p[0]], generator: generator);
        _upstream = randn([p[2], p[3]], generator: generator);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _h.Dispose();
        _upstream.Dispose();
        _layer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Fused() => Step(LayerPath.Fused);

    [Benchmark]
    public void TensorOps() => Step(LayerPath.TensorOps);

    [Benchmark]
    public void Dense()
    {
        if (_h.shape[0] * _layer.Grid.PointCount * 4 > _layer.Options.DenseMaxBytes) return;
        Step(LayerPath.Dense);
    }

    private void Step(LayerPath path)
    {
        using var scope = NewDisposeScope();
        _layer.zero_grad();
        var x = _h.clone().requires_grad_(true);
        (_layer.Evaluate(x, _layer.Coefficients, path) * _upstream).sum().backward();
    }
}
