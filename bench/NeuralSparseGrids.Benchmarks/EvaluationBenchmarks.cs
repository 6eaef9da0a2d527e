using BenchmarkDotNet.Attributes;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>Fast O(S * d) against brute-force O(G * d) evaluation: 10,000 points on a Linear grid, d = 8, n = 6.</summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private SparseGrid _grid = null!;
    private double[] _alpha = [];
    private double[] _x = [];
    private double[] _result = [];

    [Params(10_000)]
    public int Points { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_grid, _alpha, _x) = EvaluationComparison.Problem(8, 6, GridType.Linear, Points, seed: 1);
        _result = new double[Points];
    }

    [Benchmark(Baseline = true)]
    public void BruteForce() => BruteForceEvaluator.Evaluate(_grid, _alpha, _x, _result);

    [Benchmark]
    public void Fast() => SparseGridEvaluator.Evaluate(_grid, _alpha, _x, _result);

    [Benchmark]
    public void FastGradient()
    {
        var g = new double[Points * 8];
        SparseGridEvaluator.Gradient(_grid, _alpha, _x, g);
    }
}
