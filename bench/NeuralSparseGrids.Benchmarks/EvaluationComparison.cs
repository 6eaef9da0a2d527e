using System.Diagnostics;
using System.Globalization;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `compare-eval [--dim D] [--level N] [--points P] [--grid TYPE] [--repeat R]`: times brute-force and fast evaluation
/// in the same run (after a small warm-up; the best of R runs each, default R = 1) in the same run and prints the ratio brute / fast, and the largest difference.
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

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    public static int Run(string[] args)
    {
        int dim = 8, level = 6, points = 10_000, repeat = 1;
        var type = GridType.Linear;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--dim": dim = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--level": level = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--points": points = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--repeat": repeat = Math.Max(1, int.Parse(args[i + 1], CultureInfo.InvariantCulture)); break;
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

        double fastSeconds = double.MaxValue, slowSeconds = double.MaxValue, gradientSeconds = double.MaxValue;
        var gradient = new double[points * dim];
        for (int r = 0; r < repeat; r++)
        {
            fastSeconds = Math.Min(fastSeconds, Time(() => SparseGridEvaluator.Evaluate(grid, alpha, x, fast)));
            slowSeconds = Math.Min(slowSeconds, Time(() => BruteForceEvaluator.Evaluate(grid, alpha, x, slow)));
            gradientSeconds = Math.Min(gradientSeconds, Time(() => SparseGridEvaluator.Gradient(grid, alpha, x, gradient)));
        }
        var nodal = (double[])alpha.Clone();
        double hierarchizeSeconds = Time(() => Hierarchization.Hierarchize(grid, nodal));
        Console.WriteLine($"hierarchize ({grid.PointCount} points): {hierarchizeSeconds * 1e3:F1} ms");
        double maxDiff = fast.Zip(slow, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine($"brute force: {slowSeconds * 1e3:F1} ms   fast: {fastSeconds * 1e3:F2} ms   fast gradient: {gradientSeconds * 1e3:F2} ms");
        Console.WriteLine($"max |fast - brute| = {maxDiff:E2}");
        Console.WriteLine($"ratio brute/fast = {slowSeconds / fastSeconds:F1}" + (repeat > 1 ? $" (best of {repeat} each)" : ""));
        return 0;
    }
}
