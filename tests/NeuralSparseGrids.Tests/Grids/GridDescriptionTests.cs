using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>The one grid description: counts, offsets, strides, visiting order, and arbitrary subspace sets.</summary>
public class GridDescriptionTests
{
    // Published closed form of the regular zero-boundary sparse grid (Bungartz and Griebel 2004):
    // |V_n| = sum_{i=0}^{n-1} 2^i binom(d - 1 + i, d - 1).
    private static long LinearPointCount(int d, int n)
    {
        long total = 0;
        for (int i = 0; i < n; i++) total += (1L << i) * Binomial(d - 1 + i, d - 1);
        return total;
    }

    private static long Binomial(int n, int k)
    {
        long r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    [InlineData(5, 4)]
    [InlineData(8, 3)]
    public void RegularLinearGridsHaveThePublishedCounts(int d, int n)
    {
        var grid = SparseGrid.Create(d, n);
        Assert.Equal(LinearPointCount(d, n), grid.PointCount);
        Assert.Equal(Binomial(n - 1 + d, d), grid.SubspaceCount);   // level vectors l >= 1 with |l|_1 <= n + d - 1
        Assert.Equal(n, grid.MaxLevel1D);
        Assert.Equal(n, grid.Level);
        Assert.True(grid.IsDownwardClosed);
    }

    [Theory]
    [InlineData(GridType.Linear, 3, 4)]
    [InlineData(GridType.LinearBoundary, 3, 3)]
    [InlineData(GridType.LinearExtendedBoundary, 2, 4)]
    [InlineData(GridType.ModifiedLinear, 4, 3)]
    public void OffsetsAndStridesNumberEveryPointOnce(GridType type, int d, int n)
    {
        var grid = SparseGrid.Create(d, n, type);
        Assert.Equal(GridSize.Points(d, n, type), grid.PointCount);
        var offsets = grid.SubspaceOffsets;
        Assert.Equal(0, offsets[0]);
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            long size = 1;
            for (int j = d - 1; j >= 0; j--)
            {
                Assert.Equal(size, grid.SubspaceStrides[s * d + j]);
                size *= Basis1D.Count(type, grid.SubspaceLevel(s, j));
            }
            Assert.Equal(size, offsets[s + 1] - offsets[s]);
        }
        Assert.Equal(grid.PointCount, offsets[grid.SubspaceCount]);
    }

    [Fact]
    public void VisitOrderSortsByReversedLevelVectorAndCountsSharedTrailingLevels()
    {
        var grid = SparseGrid.Create(4, 4);
        int d = grid.Dim;
        var order = grid.VisitOrder.ToArray();
        Assert.Equal(Enumerable.Range(0, grid.SubspaceCount), order.OrderBy(s => s));
        int[] Reversed(int s) => Enumerable.Range(0, d).Select(j => grid.SubspaceLevel(s, d - 1 - j)).ToArray();
        for (int i = 1; i < order.Length; i++)
        {
            int[] a = Reversed(order[i - 1]), b = Reversed(order[i]);
            int k = 0;
            while (k < d && a[k] == b[k]) k++;
            Assert.True(k < d && a[k] < b[k], $"positions {i - 1} and {i} are not in reversed-lexicographic order");
            Assert.Equal(k, grid.SharedTrailingLevels[i]);
        }
        Assert.Equal(0, grid.SharedTrailingLevels[0]);
    }

    /// <summary>An anisotropic, downward-closed set: l_0 + 2 l_1 + l_2 &lt;= budget (dimension 1 resolved coarser).</summary>
    public static SparseGrid Anisotropic(GridType type, int budget = 8)
    {
        int min = Basis1D.MinLevel(type);
        var vectors = new List<int[]>();
        for (int a = min; a <= budget; a++)
            for (int b = min; b <= budget; b++)
                for (int c = min; c <= budget; c++)
                    if (a + 2 * b + c <= budget) vectors.Add([a, b, c]);
        return SparseGrid.FromSubspaces(3, type, vectors);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void AnAnisotropicSetEvaluatesLikeTheBruteForceReference(GridType type)
    {
        var grid = Anisotropic(type);
        Assert.True(grid.IsDownwardClosed);
        var rng = new Random(7);
        int batch = 40, outputs = 2;
        var alpha = Enumerable.Range(0, (int)grid.PointCount * outputs).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var x = Enumerable.Range(0, batch * 3).Select(_ => rng.NextDouble()).ToArray();
        double[] fast = new double[batch * outputs], slow = new double[batch * outputs];
        SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
        BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
        for (int i = 0; i < fast.Length; i++) Assert.Equal(slow[i], fast[i], 1e-12);
        double[] fastGrad = new double[batch * outputs * 3], slowGrad = new double[batch * outputs * 3];
        SparseGridEvaluator.Gradient(grid, alpha, x, fastGrad);
        BruteForceEvaluator.Gradient(grid, alpha, x, slowGrad);
        for (int i = 0; i < fastGrad.Length; i++) Assert.Equal(slowGrad[i], fastGrad[i], 1e-9);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void AnAnisotropicSetInterpolatesAfterHierarchization(GridType type) => AssertInterpolatesAfterHierarchization(Anisotropic(type));

    /// <summary>Hierarchizing the nodal values of a smooth 3-d function and evaluating at the points gives them back.</summary>
    internal static void AssertInterpolatesAfterHierarchization(SparseGrid grid)
    {
        var coordinates = grid.AllCoordinates();
        var nodal = new double[grid.PointCount];
        for (int p = 0; p < nodal.Length; p++)
            nodal[p] = Math.Sin(3 * coordinates[p * 3]) + coordinates[p * 3 + 1] * Math.Exp(coordinates[p * 3 + 2]);
        var alpha = (double[])nodal.Clone();
        Hierarchization.Hierarchize(grid, alpha);
        var values = new double[nodal.Length];
        SparseGridEvaluator.Evaluate(grid, alpha, coordinates, values);
        for (int p = 0; p < nodal.Length; p++) Assert.Equal(nodal[p], values[p], 1e-10);
    }

    [Fact]
    public void ASetThatIsNotDownwardClosedIsEvaluatedButNotHierarchized()
    {
        var grid = SparseGrid.FromSubspaces(2, GridType.Linear, [[1, 1], [3, 1]]);
        Assert.False(grid.IsDownwardClosed);
        Assert.Equal(1 + 4, grid.PointCount);
        var alpha = new double[] { 1, 2, 3, 4, 5 };
        double[] x = [0.3, 0.6, 0.9, 0.1], fast = new double[2], slow = new double[2];
        SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
        BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
        Assert.Equal(slow[0], fast[0], 1e-12);
        Assert.Equal(slow[1], fast[1], 1e-12);
        var e = Assert.Throws<ArgumentException>(() => Hierarchization.Hierarchize(grid, alpha));
        Assert.Contains("downward-closed", e.Message);
    }

    [Fact]
    public void BadLevelVectorsAreRefusedWithTheReason()
    {
        Assert.Contains("expected d = 2", Assert.Throws<ArgumentException>(() => SparseGrid.FromSubspaces(2, GridType.Linear, [[1, 1, 1]])).Message);
        Assert.Contains("levels 1 to 31", Assert.Throws<ArgumentException>(() => SparseGrid.FromSubspaces(2, GridType.Linear, [[0, 1]])).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => SparseGrid.FromSubspaces(2, GridType.Linear, [[1, 2], [1, 2]])).Message);
    }
}
