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

    [Fact]
    public void LeavesAreTheSubspacesWithoutForwardNeighbours()
    {
        // Regular level 3 in 2-D: (1,1) (1,2) (2,1) (1,3) (2,2) (3,1); leaves (1,3) (2,2) (3,1).
        var grid = SparseGrid.Create(2, 3);
        var leaves = SubspaceRefinement.Leaves(grid).Select(s => $"{grid.SubspaceLevel(s, 0)},{grid.SubspaceLevel(s, 1)}").ToHashSet();
        Assert.Equal(new HashSet<string> { "1,3", "2,2", "3,1" }, leaves);
        Assert.Empty(SubspaceRefinement.Leaves(SparseGrid.Create(2, 1)));
        Assert.True(SubspaceRefinement.Shrink(grid, SubspaceRefinement.Leaves(grid)).IsDownwardClosed);
        Assert.Throws<ArgumentException>(() => SubspaceRefinement.Shrink(grid, [grid.FindSubspace([1, 2])]));
        Assert.Contains("subspaces 0 to 5", Assert.Throws<ArgumentOutOfRangeException>(() => SubspaceRefinement.Shrink(grid, [6])).Message);
    }

    [Theory]
    [InlineData(GridType.Linear, 2, 4)]
    [InlineData(GridType.LinearBoundary, 3, 3)]
    [InlineData(GridType.ModifiedLinear, 3, 4)]
    public void ShrinkingBuildsTheGridTheGeneralFactoryBuildsFromTheKeptLevelVectors(GridType type, int d, int level)
    {
        // Shrink takes a short cut (the kept vectors are known valid); the reference checks every vector afresh.
        var grid = SparseGrid.Create(d, level, type);
        var removed = SubspaceRefinement.Leaves(grid).Where((_, i) => i % 3 != 1).ToList();
        var shrunk = SubspaceRefinement.Shrink(grid, removed, outputs: 2);
        var kept = Enumerable.Range(0, grid.SubspaceCount).Where(s => !removed.Contains(s))
            .Select(s => (IReadOnlyList<int>)grid.SubspaceLevels.Slice(s * d, d).ToArray()).ToList();
        var reference = SparseGrid.FromDownwardClosedSubspaces(d, type, kept, outputs: 2);
        Assert.Equal(reference.SubspaceCount, shrunk.SubspaceCount);
        Assert.Equal(reference.Level, shrunk.Level);
        Assert.Equal(reference.PointCount, shrunk.PointCount);
        Assert.Equal(reference.SubspaceLevels.ToArray(), shrunk.SubspaceLevels.ToArray());
        Assert.Equal(reference.SubspaceOffsets.ToArray(), shrunk.SubspaceOffsets.ToArray());
        Assert.Equal(reference.SubspaceStrides.ToArray(), shrunk.SubspaceStrides.ToArray());
        Assert.Equal(reference.BackwardNeighbourNumbers, shrunk.BackwardNeighbourNumbers);
        // The memory guard still applies.
        Assert.ThrowsAny<Exception>(() => SubspaceRefinement.Shrink(grid, removed, outputs: 2, maxBytes: 16));
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void CoarseningChangesTheFunctionByExactlyTheRemovedSurplusesContribution(GridType type)
    {
        var grid = SparseGrid.Create(2, 4, type);
        var rng = new Random(5);
        var alpha = Enumerable.Range(0, (int)grid.PointCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var removed = SubspaceRefinement.Leaves(grid).Where((_, i) => i % 2 == 0).ToList();
        var shrunk = SubspaceRefinement.Shrink(grid, removed);
        var sources = GridRemap.PointSources(grid, shrunk);
        Assert.DoesNotContain(-1, sources);
        var kept = sources.Select(p => alpha[p]).ToArray();
        const int n = 200;
        var x = Enumerable.Range(0, n * 2).Select(_ => rng.NextDouble()).ToArray();
        double[] before = new double[n], after = new double[n];
        SparseGridEvaluator.Evaluate(grid, alpha, x, before);
        SparseGridEvaluator.Evaluate(shrunk, kept, x, after);
        double bound = removed.Sum(s => Enumerable.Range((int)grid.SubspaceOffsets[s], (int)(grid.SubspaceOffsets[s + 1] - grid.SubspaceOffsets[s])).Sum(p => Math.Abs(alpha[p])));
        for (int i = 0; i < n; i++)
        {
            // Independent reference: the removed points' basis functions summed one by one.
            double removedContribution = 0;
            foreach (int s in removed)
                for (long p = grid.SubspaceOffsets[s]; p < grid.SubspaceOffsets[s + 1]; p++)
                    removedContribution += alpha[p] * grid.BasisValue(p, x.AsSpan(2 * i, 2));
            Assert.Equal(removedContribution, before[i] - after[i], 12);
            Assert.True(Math.Abs(before[i] - after[i]) <= bound + 1e-12);
        }
    }

    [Fact]
    public void RemappedPointsKeepTheirCoordinates()
    {
        var grid = SparseGrid.CreateAnisotropic([3, 2]);
        var other = SubspaceRefinement.Grow(SubspaceRefinement.Shrink(grid, [grid.FindSubspace([3, 1])]), [[1, 3]]);
        var sources = GridRemap.PointSources(grid, other);
        Assert.Equal(other.PointCount, sources.Length);
        Assert.Equal(4, sources.Count(s => s < 0)); // the 4 points of (1,3)
        for (int p = 0; p < sources.Length; p++)
        {
            if (sources[p] < 0) continue;
            double[] a = new double[2], b = new double[2];
            grid.Coordinates(sources[p], a);
            other.Coordinates(p, b);
            Assert.Equal(a, b);
        }
    }
}
