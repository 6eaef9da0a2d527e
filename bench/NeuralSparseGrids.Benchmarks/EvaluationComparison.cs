using System.Diagnostics;
using System.Globalization;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `compare-eval [--dim D] [--level N] [--points P] [--grid TYPE]`: times brute-force and fast evaluation once each
/// (after a small warm-up) in the same run and prints the ratio brute / fast, and the largest difference.
/// </summary>
public static class EvaluationComparison
{
    public static (SparseGrid grid, double[] alpha, double[] x) Problem(int dim, int level, GridType type, int points, int seed)
    {
        var grid = SparseGrid.Create(dim, level, type);
        var rng = new Random(seed);
        var alpha = new double[grid.PointCount];
        for (int i = 0; i < alpha.Length; i++) alpha[i] = 2 * rng.NextDouble() - 1;
        var x = new double[points * dim];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble();
        return (grid, alpha, x);
    }

    public static int Run(string[] args)
    {
        int dim = 8, level = 6, points = 10_000;
        var type = GridType.Linear;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--dim": dim = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--level": level = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--points": points = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--grid": type = Enum.Parse<GridType>(args[i + 1], ignoreCase: true); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        var (grid, alpha, x) = Problem(dim, level, type, points, seed: 1);
        Console.WriteLine($"{grid}; {points} evaluation points; {Environment.ProcessorCount} threads");
        var fast = new double[points];
        var slow = new double[points];
        // Warm-up (JIT) on a few points.
        var warm = x[..(Math.Min(points, 50) * dim)];
        SparseGridEvaluator.Evaluate(grid, alpha, warm, new double[warm.Length / dim]);
        BruteForceEvaluator.Evaluate(grid, alpha, warm, new double[warm.Length / dim]);

        var watch = Stopwatch.StartNew();
        SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
        double fastSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
        double slowSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var gradient = new double[points * dim];
        SparseGridEvaluator.Gradient(grid, alpha, x, gradient);
        double gradientSeconds = watch.Elapsed.TotalSeconds;
        double maxDiff = fast.Zip(slow, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine($"brute force: {slowSeconds * 1e3:F1} ms   fast: {fastSeconds * 1e3:F2} ms   fast gradient: {gradientSeconds * 1e3:F2} ms");
        Console.WriteLine($"max |fast - brute| = {maxDiff:E2}");
        Console.WriteLine($"ratio brute/fast = {slowSeconds / fastSeconds:F1}");
        return 0;
    }
}
