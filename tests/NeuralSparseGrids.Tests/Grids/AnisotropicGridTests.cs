using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Regression;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>Anisotropic regular grids (a maximum level per dimension) and dimension-adaptive (downward-closed) sets.</summary>
public class AnisotropicGridTests
{
    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void EqualLevelsGiveTheRegularGrid(GridType type)
    {
        var regular = SparseGrid.Create(3, 4, type);
        var anisotropic = SparseGrid.CreateAnisotropic([4, 4, 4], type);
        Assert.Equal(regular.PointCount, anisotropic.PointCount);
        Assert.True(regular.SubspaceLevels.SequenceEqual(anisotropic.SubspaceLevels));
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void SubspacesAreTheCappedRegularSetCountedIndependently(GridType type)
    {
        int[] levels = [5, 2, 3];
        var grid = SparseGrid.CreateAnisotropic(levels, type);
        // Independent reference: every level vector of the box below the caps whose sum fits the regular grid of level 5.
        int min = Basis1D.MinLevel(type), d = 3;
        int Cap(int n) => n + (d - 1) * (1 - min);
        var expected = new HashSet<string>();
        double points = 0;
        for (int a = min; a <= Cap(5); a++)
            for (int b = min; b <= Cap(2); b++)
                for (int c = min; c <= Cap(3); c++)
                    if (a + b + c <= 5 + d - 1)
                    {
                        expected.Add($"{a},{b},{c}");
                        points += Basis1D.Count(type, a) * (double)Basis1D.Count(type, b) * Basis1D.Count(type, c);
                    }
        var actual = Enumerable.Range(0, grid.SubspaceCount)
            .Select(s => $"{grid.SubspaceLevel(s, 0)},{grid.SubspaceLevel(s, 1)},{grid.SubspaceLevel(s, 2)}").ToHashSet();
        Assert.True(expected.SetEquals(actual));
        Assert.Equal(points, grid.PointCount);
        Assert.Equal((points, (long)expected.Count), GridSize.Anisotropic(levels, type));
        Assert.True(grid.IsDownwardClosed);
        Assert.True(grid.PointCount < SparseGrid.Create(3, 5, type).PointCount);
    }

    [Fact]
    public void LinearTwoDimensionalCountByHand()
    {
        // l_1 <= 2 and |l|_1 <= 5: (1..4, 1) gives 1+2+4+8 points, (1..3, 2) gives 2*(1+2+4).
        Assert.Equal(29, SparseGrid.CreateAnisotropic([4, 2]).PointCount);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.ModifiedLinear)]
    public void AnisotropicGridsInterpolateAfterHierarchization(GridType type) =>
        GridDescriptionTests.AssertInterpolatesAfterHierarchization(SparseGrid.CreateAnisotropic([5, 2, 3], type));

    [Fact]
    public void TheMemoryGuardRefusesAnisotropicGridsAboveTheBudget()
    {
        var grid = SparseGrid.CreateAnisotropic([6, 3]);
        var e = Assert.Throws<GridTooLargeException>(() => SparseGrid.CreateAnisotropic([6, 3], maxBytes: grid.PointCount * 8 - 1));
        Assert.Equal(grid.PointCount, e.Points);
    }

    [Fact]
    public void BadLevelListsAreRefused()
    {
        Assert.Contains("outside 1..30", Assert.Throws<ArgumentException>(() => SparseGrid.CreateAnisotropic([3, 0])).Message);
        Assert.Contains("d = 3", Assert.Throws<ArgumentException>(() => SparseGrid.CreateForLevels(3, 4, [3, 2])).Message);
    }

    [Fact]
    public void DimensionAdaptiveSetsMustBeDownwardClosed()
    {
        var ok = SparseGrid.FromDownwardClosedSubspaces(2, GridType.Linear, [[1, 1], [2, 1], [1, 2], [3, 1], [2, 2]]);
        Assert.Equal(1 + 2 + 2 + 4 + 4, ok.PointCount);
        var e = Assert.Throws<ArgumentException>(() => SparseGrid.FromDownwardClosedSubspaces(2, GridType.Linear, [[1, 1], [3, 1], [1, 2]]));
        Assert.Contains("not downward closed", e.Message);
        Assert.Contains("(3, 1)", e.Message);
        Assert.Contains("(2, 1)", e.Message);
        // Boundary grids start at level 0: (1, 0) needs (0, 0).
        Assert.Contains("(0, 0)", Assert.Throws<ArgumentException>(() => SparseGrid.FromDownwardClosedSubspaces(2, GridType.LinearBoundary, [[1, 0]])).Message);
    }

    [Fact]
    public void TheClassicLearnerFitsOnAnAnisotropicGrid()
    {
        // y depends strongly on x0 and weakly on x1: levels 6,2 spend the points where the variation is.
        var rng = new Random(3);
        int rows = 400;
        var x = Enumerable.Range(0, rows * 2).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, rows).Select(r => Math.Sin(6 * x[2 * r]) + 0.1 * x[2 * r + 1]).ToArray();
        var options = new SparseGridRegressionOptions { Levels = [6, 2], GridType = GridType.ModifiedLinear, Lambda = 1e-6 };
        var model = SparseGridRegression.Fit(x, y, 2, 1, options);
        Assert.Equal(SparseGrid.CreateAnisotropic([6, 2], GridType.ModifiedLinear).PointCount, model.Grid.PointCount);
        var p = model.Predict(x);
        double mse = p.Zip(y, (a, b) => (a - b) * (a - b)).Average();
        Assert.True(mse < 1e-3, $"training MSE {mse}");
    }
}
