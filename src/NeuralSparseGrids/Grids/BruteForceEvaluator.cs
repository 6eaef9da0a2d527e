using System.Numerics;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Reference evaluation in O(G * d) per sample: loops over every grid point and multiplies its one-dimensional
/// functions. Slow; kept as the test and benchmark reference for <see cref="SparseGridEvaluator"/> and the layer paths.
/// Coordinates are clamped into [0, 1] like the fast evaluator, and derivatives at kinks follow the same one-sided
/// convention (from the right, from the left at x = 1).
/// </summary>
/// <remarks>
/// On purpose this class does NOT use <see cref="Basis1D.Active"/>: <see cref="Value"/> and <see cref="Derivative"/>
/// write the basis functions down a second time, in their textbook form (max(1 - |2^l x - i|, 0) over the whole
/// support), as an independent reference the tests check every other path against. Library code must not call them.
/// </remarks>
public static class BruteForceEvaluator
{
    /// <summary>result[b, o] = sum_p alpha[p, o] * phi_p(x[b, :]).</summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="alpha">Surpluses, (points, outputs) row-major.</param>
    /// <param name="x">Samples, (batch, dim) row-major.</param>
    /// <param name="result">Output, (batch, outputs) row-major; overwritten.</param>
    public static void Evaluate<T>(SparseGrid grid, T[] alpha, T[] x, T[] result) where T : unmanaged, IFloatingPoint<T>
    {
        var (levels, positions, outputs, batch) = Prepare(grid, alpha, x);
        int d = grid.Dim;
        if (result.Length != batch * outputs) throw new ArgumentException("result must be (batch, outputs).", nameof(result));
        Parallel.For(0, batch, b =>
        {
            var acc = new double[outputs];
            var xs = Clamped(x, b, d);
            for (int p = 0; p < (int)grid.PointCount; p++)
            {
                double w = 1;
                for (int j = 0; j < d && w != 0; j++) w *= Value(grid.Type, levels[p * d + j], positions[p * d + j], xs[j]);
                if (w == 0) continue;
                for (int o = 0; o < outputs; o++) acc[o] += w * double.CreateTruncating(alpha[p * outputs + o]);
            }
            for (int o = 0; o < outputs; o++) result[b * outputs + o] = T.CreateTruncating(acc[o]);
        });
    }

    /// <summary>gradient[b, o, j] = sum_p alpha[p, o] * d phi_p / d x_j (x[b, :]).</summary>
    /// <param name="grid">The sparse grid.</param>
    /// <param name="alpha">Surpluses, (points, outputs) row-major.</param>
    /// <param name="x">Samples, (batch, dim) row-major.</param>
    /// <param name="gradient">Output, (batch, outputs, dim) row-major; overwritten.</param>
    public static void Gradient<T>(SparseGrid grid, T[] alpha, T[] x, T[] gradient) where T : unmanaged, IFloatingPoint<T>
    {
        var (levels, positions, outputs, batch) = Prepare(grid, alpha, x);
        int d = grid.Dim;
        if (gradient.Length != batch * outputs * d) throw new ArgumentException("gradient must be (batch, outputs, dim).", nameof(gradient));
        Parallel.For(0, batch, b =>
        {
            var acc = new double[outputs * d];
            var xs = Clamped(x, b, d);
            var v = new double[d];
            var g = new double[d];
            for (int p = 0; p < (int)grid.PointCount; p++)
            {
                for (int j = 0; j < d; j++)
                {
                    v[j] = Value(grid.Type, levels[p * d + j], positions[p * d + j], xs[j]);
                    g[j] = Derivative(grid.Type, levels[p * d + j], positions[p * d + j], xs[j]);
                }
                for (int j = 0; j < d; j++)
                {
                    double term = g[j];
                    for (int i = 0; i < d; i++) if (i != j) term *= v[i];
                    if (term == 0) continue;
                    for (int o = 0; o < outputs; o++) acc[o * d + j] += term * double.CreateTruncating(alpha[p * outputs + o]);
                }
            }
            for (int i = 0; i < outputs * d; i++) gradient[b * outputs * d + i] = T.CreateTruncating(acc[i]);
        });
    }

    /// <summary>Reference value of the one-dimensional function (level, local position k) at x (textbook form, test reference only).</summary>
    public static double Value(GridType type, int level, int k, double x)
    {
        if (level == 0) return k == 0 ? 1 - x : x;
        if (level == 1 && type == GridType.LinearExtendedBoundary)
            return k switch { 0 => 1 - x, 2 => x, _ => Math.Max(1 - Math.Abs(2 * x - 1), 0) };
        double scale = 1L << level;
        int i = 2 * k + 1;
        if (type == GridType.ModifiedLinear)
        {
            if (level == 1) return 1;
            int last = (1 << level) - 1;
            if (i == 1) return Math.Max(2 - scale * x, 0);
            if (i == last) return Math.Max(scale * x + 1 - i, 0);
        }
        return Math.Max(1 - Math.Abs(scale * x - i), 0);
    }

    /// <summary>
    /// Reference one-sided derivative (test reference only) of the one-dimensional function (level, local position k) at x ∈ [0, 1]: from the right,
    /// and from the left at x = 1.
    /// </summary>
    public static double Derivative(GridType type, int level, int k, double x)
    {
        bool left = x >= 1;
        if (level == 0) return k == 0 ? -1 : 1;
        if (level == 1 && type == GridType.LinearExtendedBoundary)
            return k switch { 0 => -1, 2 => 1, _ => x < 0.5 ? 2 : -2 };
        double scale = 1L << level;
        int i = 2 * k + 1;
        double lo = (i - 1) / scale, mid = i / scale, hi = (i + 1) / scale;
        if (type == GridType.ModifiedLinear)
        {
            if (level == 1) return 0;
            if (i == 1) return (left ? x > lo && x <= hi : x >= lo && x < hi) ? -scale : 0;
            if (i == (1 << level) - 1) return (left ? x > lo && x <= hi : x >= lo && x < hi) ? scale : 0;
        }
        if (left) return x > lo && x <= mid ? scale : x > mid && x <= hi ? -scale : 0;
        return x >= lo && x < mid ? scale : x >= mid && x < hi ? -scale : 0;
    }

    private static double[] Clamped<T>(T[] x, int b, int d) where T : unmanaged, IFloatingPoint<T>
    {
        var xs = new double[d];
        for (int j = 0; j < d; j++) xs[j] = Math.Clamp(double.CreateTruncating(x[b * d + j]), 0, 1);
        return xs;
    }

    private static (int[] levels, int[] positions, int outputs, int batch) Prepare<T>(SparseGrid grid, T[] alpha, T[] x)
    {
        int d = grid.Dim;
        int points = checked((int)grid.PointCount);
        // Level and position tables: 2 * d ints per point, i.e. as much as d double outputs.
        GridSize.EnsureFits(grid, d, GridSize.DefaultMaxBytes);
        if (alpha.Length == 0 || alpha.Length % points != 0) throw new ArgumentException("alpha must be (points, outputs).", nameof(alpha));
        if (x.Length % d != 0) throw new ArgumentException("x must be (batch, dim).", nameof(x));
        var levels = new int[points * d];
        var positions = new int[points * d];
        var index = new int[d];
        for (int p = 0; p < points; p++)
        {
            grid.LevelIndex(p, levels.AsSpan(p * d, d), index);
            for (int j = 0; j < d; j++) positions[p * d + j] = Basis1D.LocalPosition(grid.Type, levels[p * d + j], index[j]);
        }
        return (levels, positions, alpha.Length / points, x.Length / d);
    }
}
