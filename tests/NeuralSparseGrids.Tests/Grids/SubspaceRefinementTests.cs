using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

public class SubspaceRefinementTests
{
    [Fact]
    public void AdmissibleForwardNeighboursKeepTheSetDownwardClosed()
    {
        // {(1,1), (2,1), (1,2)}: forward neighbours (3,1), (2,2), (1,3), all admissible.
        var grid = SparseGrid.FromDownwardClosedSubspaces(2, GridType.Linear, [[1, 1], [2, 1], [1, 2]]);
        var found = SubspaceRefinement.AdmissibleForwardNeighbours(grid).Select(l => string.Join(',', l)).ToArray();
        Assert.Equal(["1,3", "2,2", "3,1"], found);
        // {(1,1), (2,1), (3,1), (1,2)}: (2,2) is admissible, (3,2) is not ((3,1) yes, (2,2) missing).
        var grid2 = SparseGrid.FromDownwardClosedSubspaces(2, GridType.Linear, [[1, 1], [2, 1], [3, 1], [1, 2]]);
        var found2 = SubspaceRefinement.AdmissibleForwardNeighbours(grid2).Select(l => string.Join(',', l)).ToHashSet();
        Assert.Equal(new HashSet<string> { "1,3", "2,2", "4,1" }, found2);
        foreach (var l in SubspaceRefinement.AdmissibleForwardNeighbours(grid2))
            Assert.True(SubspaceRefinement.Grow(grid2, [l]).IsDownwardClosed);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void GrowingWithZeroSurplusesLeavesTheFunctionUnchanged(GridType type)
    {
        var grid = SparseGrid.CreateAnisotropic([3, 2], type);
        const int outputs = 2;
        var rng = new Random(4);
        var alpha = Enumerable.Range(0, (int)grid.PointCount * outputs).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var grown = SubspaceRefinement.Grow(grid, SubspaceRefinement.AdmissibleForwardNeighbours(grid), outputs);
        Assert.True(grown.PointCount > grid.PointCount);
        var carried = SubspaceRefinement.CarrySurpluses(grown, alpha, outputs);
        var x = Enumerable.Range(0, 50 * 2).Select(_ => rng.NextDouble()).ToArray();
        double[] before = new double[50 * outputs], after = new double[50 * outputs];
        SparseGridEvaluator.Evaluate(grid, alpha, x, before);
        SparseGridEvaluator.Evaluate(grown, carried, x, after);
        Assert.Equal(before, after);
        // Old points keep their numbers.
        for (long p = 0; p < grid.PointCount; p++)
        {
            double[] a = new double[2], b = new double[2];
            grid.Coordinates(p, a);
            grown.Coordinates(p, b);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void GrowingOutOfDownwardClosednessIsRefused()
    {
        var grid = SparseGrid.Create(2, 2);
        var e = Assert.Throws<ArgumentException>(() => SubspaceRefinement.Grow(grid, [[3, 2]]));
        Assert.Contains("not downward closed", e.Message);
    }
}
