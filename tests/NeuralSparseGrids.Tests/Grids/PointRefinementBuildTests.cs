using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>
/// <see cref="PointRefinement.Build"/> against an independent reference: the same point set kept as plain
/// <see cref="GridPoint"/>s and handed to the public <see cref="SparseGrid.FromPointSets"/> (which checks closure on
/// every point). The builder looks up untouched subspaces in the starting grid and checks closure on the added and
/// removed points only; both must give the same grid, and refuse the same sets.
/// </summary>
public class PointRefinementBuildTests
{
    public static TheoryData<GridType, int, int> Cases => new()
    {
        { GridType.Linear, 2, 1 }, { GridType.Linear, 3, 2 }, { GridType.ModifiedLinear, 2, 3 }, { GridType.LinearBoundary, 2, 4 },
        { GridType.Linear, 2, 5 }, { GridType.LinearBoundary, 1, 6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ClosedRefinementAndCoarseningGiveTheReferenceGrid(GridType type, int dim, int seed)
    {
        var rng = new Random(seed);
        var grid = SpatialGrids.Random(type, dim, 2, 6, seed);
        for (int step = 0; step < 6; step++)
        {
            var builder = new PointRefinement(grid);
            var expected = AllPoints(grid);
            // Coarsen some leaves (closed), then refine some points with their missing ancestors (closed).
            var leaves = PointRefinement.Leaves(grid).Where(_ => rng.Next(3) == 0).Select(row => GridPoint.Of(grid, row)).ToList();
            builder.Remove(leaves);
            expected.ExceptWith(leaves);
            for (int r = 0; r < 2; r++)
            {
                var point = GridPoint.Of(grid, rng.Next((int)grid.PointCount));
                var missing = builder.MissingWithAncestors(point.Children(type, 7));
                builder.Add(missing);
                expected.UnionWith(missing);
            }
            Assert.Equal(expected.Count, builder.PointCount);
            var built = builder.Build();
            var reference = Reference(grid, expected);
            AssertSameGrid(reference, built);
            Assert.All(expected, p => Assert.True(builder.Contains(p)));
            grid = built;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpenSetsAreRefusedExactlyWhenTheFullCheckRefusesThem(GridType type, int dim, int seed)
    {
        var rng = new Random(100 + seed);
        var start = SpatialGrids.Random(type, dim, 2, 5, seed);
        int refused = 0, accepted = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            var builder = new PointRefinement(start);
            var expected = AllPoints(start);
            // Any points (leaves or not) removed, children added without their ancestors, sometimes put back.
            for (int r = 0; r < 1 + rng.Next(3); r++)
            {
                var p = GridPoint.Of(start, rng.Next((int)start.PointCount));
                builder.Remove([p]);
                expected.Remove(p);
            }
            for (int r = 0; r < rng.Next(3); r++)
            {
                var children = GridPoint.Of(start, rng.Next((int)start.PointCount)).Children(type, 7).ToList();
                if (children.Count == 0) continue;
                var child = children[rng.Next(children.Count)];
                if (rng.Next(2) == 0) child = children[rng.Next(children.Count)].Children(type, 8).FirstOrDefault() ?? child;
                builder.Add([child]);
                expected.Add(child);
            }
            string? referenceError = null;
            SparseGrid? reference = null;
            try { reference = Reference(start, expected); }
            catch (ArgumentException e) { referenceError = e.Message; }
            if (referenceError is null)
            {
                accepted++;
                AssertSameGrid(reference!, builder.Build());
            }
            else
            {
                refused++;
                var e = Assert.Throws<ArgumentException>(() => builder.Build());
                Assert.Equal(referenceError, e.Message);
            }
        }
        Assert.True(refused > 0 && accepted > 0, $"{refused} refused, {accepted} accepted: the trials should see both");
    }

    [Fact]
    public void RemovingAParentIsRefusedNamingTheOrphanAndPuttingItBackIsAccepted()
    {
        // (1, 1) and (2, 1) full, (3, 1) holding only x = 1/8, whose parent is x = 1/4 (local 0 of (2, 1)).
        var start = SparseGrid.FromPointSets(2, GridType.Linear, [[1, 1], [2, 1], [3, 1]], [null, null, [0]]);
        var parent = new GridPoint([2, 1], [0, 0]);
        var builder = new PointRefinement(start);
        builder.Remove([parent]);
        Assert.Contains("parent in dimension 0", Assert.Throws<ArgumentException>(() => builder.Build()).Message);
        builder.Add([parent]);
        AssertSameGrid(start, builder.Build());
    }

    private static HashSet<GridPoint> AllPoints(SparseGrid grid) =>
        Enumerable.Range(0, (int)grid.PointCount).Select(row => GridPoint.Of(grid, row)).ToHashSet();

    // The set's grid through the public factory: the start's subspaces in order, then new ones by |l|_1, then lexicographically.
    internal static SparseGrid Reference(SparseGrid start, HashSet<GridPoint> points)
    {
        var startLevels = GridRemap.LevelVectors(start);
        var bySubspace = points.GroupBy(p => string.Join(',', p.Levels)).ToDictionary(g => g.Key, g => g.ToList());
        var order = startLevels.Where(l => bySubspace.ContainsKey(string.Join(',', l))).ToList();
        var startKeys = startLevels.Select(l => string.Join(',', l)).ToHashSet();
        order.AddRange(bySubspace.Where(g => !startKeys.Contains(g.Key)).Select(g => g.Value[0].Levels)
            .OrderBy(l => l.Sum()).ThenBy(l => string.Join(',', l.Select(x => x.ToString("D2")))));
        var sets = order.Select(l =>
        {
            var members = bySubspace[string.Join(',', l)];
            long size = l.Aggregate(1L, (n, lj) => n * Basis1D.Count(start.Type, lj));
            return members.Count == size ? null : (IReadOnlyList<int>)members.Select(p => p.LocalIndex(start.Type)).Order().ToArray();
        }).ToList();
        return SparseGrid.FromPointSets(start.Dim, start.Type, order, sets);
    }

    internal static void AssertSameGrid(SparseGrid expected, SparseGrid actual)
    {
        Assert.Equal(expected.PointCount, actual.PointCount);
        Assert.Equal(expected.SubspaceLevels.ToArray(), actual.SubspaceLevels.ToArray());
        Assert.Equal(expected.SubspaceOffsets.ToArray(), actual.SubspaceOffsets.ToArray());
        for (int row = 0; row < expected.PointCount; row++) Assert.Equal(GridPoint.Of(expected, row), GridPoint.Of(actual, row));
        actual.EnsureAncestorClosed();
        Assert.Equal(expected.Level, actual.Level);
    }
}
