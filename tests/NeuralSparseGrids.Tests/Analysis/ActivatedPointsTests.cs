using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Analysis;

public class ActivatedPointsTests
{
    private static bool[] BruteForce(SparseGrid grid, double[] x, int n)
    {
        var mask = new bool[grid.PointCount];
        for (long p = 0; p < grid.PointCount; p++)
            for (int i = 0; i < n && !mask[p]; i++)
                mask[p] = grid.BasisValue(p, x.AsSpan(i * grid.Dim, grid.Dim)) > 0;
        return mask;
    }

    // Random points plus points on grid nodes, cell edges and the boundary, where hats vanish exactly.
    private static double[] Points(int d, int n, int level, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n * d];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.Next(4) switch
            {
                0 => rng.NextDouble(),
                1 => rng.Next(0, (1 << (level + 1)) + 1) / (double)(1 << (level + 1)),
                2 => rng.Next(2),
                _ => rng.NextDouble() * 0.2 + 0.4,
            };
        }
        return x;
    }

    [Theory]
    [InlineData(1, 4, GridType.Linear)]
    [InlineData(2, 3, GridType.Linear)]
    [InlineData(2, 4, GridType.LinearBoundary)]
    [InlineData(2, 3, GridType.LinearExtendedBoundary)]
    [InlineData(2, 4, GridType.ModifiedLinear)]
    [InlineData(3, 3, GridType.Linear)]
    [InlineData(3, 2, GridType.LinearBoundary)]
    [InlineData(3, 3, GridType.LinearExtendedBoundary)]
    [InlineData(3, 3, GridType.ModifiedLinear)]
    public void MatchesBruteForceOverAllPoints(int d, int level, GridType type)
    {
        var grid = SparseGrid.Create(d, level, type);
        foreach (int n in new[] { 1, 3, 17 })
        {
            var x = Points(d, n, level, seed: n * 31 + d);
            var result = ActivatedPoints.Count(grid, x, n);
            var expected = BruteForce(grid, x, n);
            Assert.Equal(expected, result.Mask);
            Assert.Equal(expected.LongCount(b => b), result.Activated);
            Assert.Equal(grid.PointCount, result.Total);
            Assert.Equal(result.Activated / (double)grid.PointCount, result.Ratio, 12);
        }
    }

    [Fact]
    public void ManySamplesAcrossChunksMatchBruteForce()
    {
        var grid = SparseGrid.Create(2, 5, GridType.Linear);
        int n = 5000;
        var x = Points(2, n, 5, seed: 4);
        // Squeeze into a corner so that not everything is activated.
        for (int i = 0; i < x.Length; i++) x[i] *= 0.3;
        var result = ActivatedPoints.Count(grid, x, n);
        Assert.Equal(BruteForce(grid, x, n), result.Mask);
        Assert.InRange(result.Ratio, 0.01, 0.99);
    }

    [Fact]
    public void CentrePointActivatesOneFunctionPerSubspaceOfLinearGrid()
    {
        // At (0.5, 0.5) only subspaces whose hats are non-zero there count: level 1 in both dims gives 1 point;
        // any level > 1 has 0.5 on a cell edge, where its hats are zero.
        var grid = SparseGrid.Create(2, 3, GridType.Linear);
        var result = ActivatedPoints.Count(grid, new[] { 0.5, 0.5 }, 1);
        Assert.Equal(1, result.Activated);
        Assert.Equal(17, result.Total);
    }

    [Fact]
    public void FloatOverloadAgrees()
    {
        var grid = SparseGrid.Create(2, 3, GridType.ModifiedLinear);
        var f = new float[] { 0.1f, 0.7f, 0.33f, 0.9f };
        var a = ActivatedPoints.Count(grid, f, 2);
        var b = ActivatedPoints.Count(grid, f.Select(v => (double)v).ToArray(), 2);
        Assert.Equal(b.Mask, a.Mask);
    }

    [Fact]
    public void RejectsBadInput()
    {
        var grid = SparseGrid.Create(2, 3);
        var e = Assert.Throws<ArgumentException>(() => ActivatedPoints.Count(grid, new double[5], 2));
        Assert.Contains("(n, d) = (2, 2)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivatedPoints.Count(grid, new[] { 0.5, 1.5 }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ActivatedPoints.Count(grid, new[] { double.NaN, 0.5 }, 1));
    }
}
