using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

public class EvaluationTests
{
    private static readonly double[] Special = { 0, 1, 0.5, 0.25, 0.75, 0.125, 0.375, 1.0 / 3 };

    internal static double[] RandomPoints(Random rng, int batch, int dim, bool special)
    {
        var x = new double[batch * dim];
        for (int i = 0; i < x.Length; i++)
            x[i] = special && rng.NextDouble() < 0.4 ? Special[rng.Next(Special.Length)] : rng.NextDouble();
        return x;
    }

    internal static double[] RandomAlpha(Random rng, long points, int outputs)
    {
        var a = new double[points * outputs];
        for (int i = 0; i < a.Length; i++) a[i] = 2 * rng.NextDouble() - 1;
        return a;
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void FastMatchesBruteForceValuesAndGradients(GridType type)
    {
        var rng = new Random(42 + (int)type);
        for (int dim = 1; dim <= 5; dim++)
            for (int level = 1; level <= 5; level++)
            {
                var grid = SparseGrid.Create(dim, level, type);
                int outputs = 1 + rng.Next(3);
                var alpha = RandomAlpha(rng, grid.PointCount, outputs);
                int batch = grid.PointCount > 3000 ? 6 : 40; // keep the brute force quick on the big boundary grids
                var x = RandomPoints(rng, batch, dim, special: true);
                var fast = new double[batch * outputs];
                var slow = new double[batch * outputs];
                SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
                BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
                for (int i = 0; i < fast.Length; i++)
                    Assert.True(Math.Abs(fast[i] - slow[i]) <= 1e-12, $"{type} d={dim} n={level} value {i}: fast {fast[i]} brute {slow[i]}");
                var gFast = new double[batch * outputs * dim];
                var gSlow = new double[batch * outputs * dim];
                SparseGridEvaluator.Gradient(grid, alpha, x, gFast);
                BruteForceEvaluator.Gradient(grid, alpha, x, gSlow);
                double scale = 1L << grid.MaxLevel1D;
                for (int i = 0; i < gFast.Length; i++)
                    Assert.True(Math.Abs(gFast[i] - gSlow[i]) <= 1e-12 * scale, $"{type} d={dim} n={level} gradient {i}: fast {gFast[i]} brute {gSlow[i]}");
            }
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void GradientMatchesCentralDifferencesAwayFromKinks(GridType type)
    {
        var rng = new Random(7);
        var grid = SparseGrid.Create(3, 4, type);
        var alpha = RandomAlpha(rng, grid.PointCount, 2);
        double finest = 1.0 / (1L << grid.MaxLevel1D), h = 1e-7;
        for (int trial = 0; trial < 30; trial++)
        {
            var x = new double[3];
            for (int j = 0; j < 3; j++)
            {
                // Stay at least 1e-4 away from every dyadic kink of the finest level.
                do x[j] = rng.NextDouble(); while (Math.Abs(x[j] / finest - Math.Round(x[j] / finest)) * finest < 1e-4);
            }
            var g = new double[2 * 3];
            SparseGridEvaluator.Gradient(grid, alpha, x, g);
            for (int j = 0; j < 3; j++)
            {
                var xp = (double[])x.Clone(); xp[j] += h;
                var xm = (double[])x.Clone(); xm[j] -= h;
                var up = new double[2]; var down = new double[2];
                SparseGridEvaluator.Evaluate(grid, alpha, xp, up);
                SparseGridEvaluator.Evaluate(grid, alpha, xm, down);
                for (int o = 0; o < 2; o++)
                    Assert.Equal((up[o] - down[o]) / (2 * h), g[o * 3 + j], 4);
            }
        }
    }

    [Fact]
    public void FloatMatchesDouble()
    {
        var rng = new Random(3);
        var grid = SparseGrid.Create(4, 4, GridType.ModifiedLinear);
        var alpha = RandomAlpha(rng, grid.PointCount, 2);
        // Round the points to float first so both precisions see the same inputs.
        var x = RandomPoints(rng, 200, 4, special: true).Select(v => (double)(float)v).ToArray();
        var rd = new double[400];
        var rf = new float[400];
        SparseGridEvaluator.Evaluate(grid, alpha, x, rd);
        SparseGridEvaluator.Evaluate(grid, alpha.Select(a => (float)a).ToArray(), x.Select(a => (float)a).ToArray(), rf);
        for (int i = 0; i < rd.Length; i++) Assert.True(Math.Abs(rd[i] - rf[i]) <= 1e-4 * (1 + Math.Abs(rd[i])), $"{rd[i]} vs {rf[i]}");
        var gd = new double[200 * 2 * 4];
        var gf = new float[200 * 2 * 4];
        SparseGridEvaluator.Gradient(grid, alpha, x, gd);
        SparseGridEvaluator.Gradient(grid, alpha.Select(a => (float)a).ToArray(), x.Select(a => (float)a).ToArray(), gf);
        for (int i = 0; i < gd.Length; i++) Assert.True(Math.Abs(gd[i] - gf[i]) <= 1e-3 * (1 + Math.Abs(gd[i])), $"{gd[i]} vs {gf[i]}");
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void TransposeIsTheAdjointOfEvaluate(GridType type)
    {
        // <B a, r> == <a, B^T r> for random a, r.
        var rng = new Random(11);
        var grid = SparseGrid.Create(3, 4, type);
        int outputs = 2, batch = 3000; // large enough for the parallel path
        var alpha = RandomAlpha(rng, grid.PointCount, outputs);
        var x = RandomPoints(rng, batch, 3, special: true);
        var r = RandomAlpha(rng, batch, outputs);
        var ba = new double[batch * outputs];
        var btr = new double[grid.PointCount * outputs];
        SparseGridEvaluator.Evaluate(grid, alpha, x, ba);
        SparseGridEvaluator.EvaluateTranspose(grid, r, x, btr);
        double left = ba.Zip(r, (a, b) => a * b).Sum(), right = alpha.Zip(btr, (a, b) => a * b).Sum();
        Assert.Equal(left, right, 9);
    }

    [Fact]
    public void LargeBatchUsesParallelPathAndStillMatches()
    {
        var rng = new Random(5);
        var grid = SparseGrid.Create(5, 4, GridType.LinearExtendedBoundary);
        var alpha = RandomAlpha(rng, grid.PointCount, 1);
        var x = RandomPoints(rng, 600, 5, special: true);
        var fast = new double[600];
        var slow = new double[600];
        SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
        BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
        for (int i = 0; i < fast.Length; i++) Assert.True(Math.Abs(fast[i] - slow[i]) <= 1e-12);
    }

    [Fact]
    public void NaNCoordinatesAreRejectedOnBothPaths()
    {
        var grid = SparseGrid.Create(4, 4);
        var alpha = new double[grid.PointCount];
        foreach (int batch in new[] { 3, 5000 })
        {
            var x = new double[batch * 4];
            x[^1] = double.NaN;
            Assert.Throws<ArgumentException>(() => SparseGridEvaluator.Evaluate(grid, alpha, x, new double[batch]));
        }
    }

    [Fact]
    public void ShapeErrorsAreReported()
    {
        var grid = SparseGrid.Create(2, 3);
        Assert.Throws<ArgumentException>(() => SparseGridEvaluator.Evaluate(grid, new double[16], new double[4], new double[2]));
        Assert.Throws<ArgumentException>(() => SparseGridEvaluator.Evaluate(grid, new double[17], new double[3], new double[2]));
        Assert.Throws<ArgumentException>(() => SparseGridEvaluator.Evaluate(grid, new double[17], new double[4], new double[3]));
    }
}
