using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>
/// The refinement step's flat helpers (level-vector hash lookup, neighbour tables, admissible forward neighbours and
/// leaves by index arithmetic, the builder's (subspace, local index) refinement with undo, the Grown factory) against
/// independent references built from level-vector sets and <see cref="GridPoint"/> objects, on random grids of every
/// type they accept.
/// </summary>
public class FlatRefinementTests
{
    private static readonly GridType[] AllTypes = [GridType.Linear, GridType.ModifiedLinear, GridType.LinearBoundary, GridType.LinearExtendedBoundary];
    private static readonly GridType[] PointTypes = [GridType.Linear, GridType.ModifiedLinear, GridType.LinearBoundary];

    // Random downward-closed sets: a regular or anisotropic grid grown by random admissible subspaces (reference).
    private static IEnumerable<SparseGrid> DownwardClosedGrids(int seed)
    {
        var rng = new Random(seed);
        foreach (var type in AllTypes)
            for (int d = 1; d <= 4; d++)
                for (int trial = 0; trial < 3; trial++)
                {
                    var grid = trial == 0 ? SparseGrid.Create(d, 1 + rng.Next(3), type)
                        : SparseGrid.CreateAnisotropic(Enumerable.Range(0, d).Select(_ => 1 + rng.Next(3)).ToArray(), type);
                    for (int step = rng.Next(6); step > 0; step--)
                    {
                        var candidates = ReferenceAdmissible(grid, 31);
                        grid = SparseGrid.FromDownwardClosedSubspaces(d, type, GridRemap.LevelVectors(grid).Append(candidates[rng.Next(candidates.Count)]));
                    }
                    yield return grid;
                }
    }

    // Random spatially adaptive grids of every point type in d = 1..3 (SpatialGrids), plus their regular starts.
    private static IEnumerable<SparseGrid> PointGrids()
    {
        int seed = 0;
        foreach (var type in PointTypes)
            for (int d = 1; d <= 3; d++)
            {
                yield return SparseGrid.Create(d, 2, type);
                for (int trial = 0; trial < 3; trial++) yield return SpatialGrids.Random(type, d, 2, 3 + 2 * trial, ++seed);
            }
    }

    [Fact]
    public void FindSubspaceAndNeighbourTablesMatchALinearScan()
    {
        var rng = new Random(1);
        foreach (var grid in DownwardClosedGrids(1).Concat(PointGrids()))
        {
            var vectors = GridRemap.LevelVectors(grid);
            int Scan(int[] l) => Array.FindIndex(vectors, v => v.SequenceEqual(l));
            for (int s = 0; s < vectors.Length; s++) Assert.Equal(s, grid.FindSubspace(vectors[s]));
            for (int probe = 0; probe < 50; probe++)
            {
                var l = Enumerable.Range(0, grid.Dim).Select(_ => rng.Next(8)).ToArray();
                Assert.Equal(Scan(l), grid.FindSubspace(l));
            }
            Assert.Equal(-1, grid.FindSubspace(new int[grid.Dim + 1]));
            for (int s = 0; s < vectors.Length; s++)
                for (int j = 0; j < grid.Dim; j++)
                {
                    var back = (int[])vectors[s].Clone();
                    back[j]--;
                    var forward = (int[])vectors[s].Clone();
                    forward[j]++;
                    Assert.Equal(vectors[s][j] == grid.MinLevel ? -1 : Scan(back), grid.BackwardNeighbourNumbers[s * grid.Dim + j]);
                    Assert.Equal(Scan(forward), grid.ForwardNeighbourNumbers[s * grid.Dim + j]);
                }
        }
    }

    [Fact]
    public void AdmissibleForwardNeighboursMatchTheSetReferenceInOrder()
    {
        foreach (var grid in DownwardClosedGrids(2))
            foreach (int maxLevel in new[] { 31, 3 })
                Assert.Equal(ReferenceAdmissible(grid, maxLevel), SubspaceRefinement.AdmissibleForwardNeighbours(grid, maxLevel));
    }

    [Fact]
    public void SubspaceLeavesMatchTheSetReference()
    {
        foreach (var grid in DownwardClosedGrids(3))
        {
            var present = GridRemap.LevelVectors(grid).Select(Key).ToHashSet();
            var expected = Enumerable.Range(0, grid.SubspaceCount).Where(s =>
            {
                var l = GridRemap.LevelVectors(grid)[s];
                if (l.All(lj => lj == grid.MinLevel)) return false;
                return Enumerable.Range(0, grid.Dim).All(j => !present.Contains(Key(l.Select((lj, i) => i == j ? lj + 1 : lj).ToArray())));
            });
            Assert.Equal(expected, SubspaceRefinement.Leaves(grid));
        }
    }

    [Fact]
    public void PointLeavesMatchTheGridPointReference()
    {
        foreach (var grid in PointGrids())
        {
            var points = AllPoints(grid);
            var expected = Enumerable.Range(0, (int)grid.PointCount).Where(row =>
            {
                var p = GridPoint.Of(grid, row);
                return !p.Levels.All(l => l == grid.MinLevel) && !p.Children(grid.Type, 31).Any(points.Contains);
            });
            Assert.Equal(expected, PointRefinement.Leaves(grid));
        }
    }

    [Fact]
    public void RefiningARowAddsTheGridPointClosureAndUndoTakesItBack()
    {
        var rng = new Random(5);
        foreach (var grid in PointGrids())
        {
            var builder = new PointRefinement(grid);
            var points = AllPoints(grid);
            // Some children are excluded (coarsened before), some rows refined twice (nothing left to add).
            var excluded = new HashSet<GridPoint>();
            for (int e = 0; e < 3; e++)
            {
                var children = GridPoint.Of(grid, rng.Next((int)grid.PointCount)).Children(grid.Type, 30).ToList();
                if (children.Count > 0 && !points.Contains(children[0])) excluded.Add(children[0]);
            }
            foreach (var p in excluded) builder.Exclude(p);
            for (int r = 0; r < 6; r++)
            {
                int row = rng.Next((int)grid.PointCount);
                var expected = ReferenceMissing(grid.Type, points, GridPoint.Of(grid, row).Children(grid.Type, 30).Where(c => !excluded.Contains(c)));
                long before = builder.PointCount;
                Assert.Equal(expected.Count, builder.RefineRow(row, maxLevel1D: 30));
                Assert.Equal(before + expected.Count, builder.PointCount);
                Assert.All(expected, p => Assert.True(builder.Contains(p)));
                Assert.Equal(GridPoint.Of(grid, row).ToArray(), builder.RowArray(row));
                if (rng.Next(3) == 0)
                {
                    builder.UndoRefinement();
                    Assert.Equal(before, builder.PointCount);
                    Assert.All(expected, p => Assert.False(builder.Contains(p)));
                }
                else points.UnionWith(expected);
            }
            PointRefinementBuildTests.AssertSameGrid(PointRefinementBuildTests.Reference(grid, points), builder.Build());
        }
    }

    // An excluded child is never added, whether its subspace is in the grid or gets an id only when the refinement
    // creates it (the exclusion then waits for that id).
    [Fact]
    public void AnExcludedChildIsNeverAddedWhetherOrNotItsSubspaceExistsYet()
    {
        int checkedNew = 0, checkedExisting = 0;
        foreach (var grid in PointGrids())
        {
            var points = AllPoints(grid);
            for (int row = 0; row < grid.PointCount; row++)
            {
                var missing = GridPoint.Of(grid, row).Children(grid.Type, 30).Where(c => !points.Contains(c)).ToList();
                if (missing.Count < 2) continue;
                var excluded = missing[0];
                bool newSubspace = GridRemap.LevelVectors(grid).All(l => !l.SequenceEqual(excluded.Levels));
                var builder = new PointRefinement(grid);
                builder.Exclude(excluded);
                var expected = ReferenceMissing(grid.Type, points, missing.Skip(1));
                Assert.Equal(expected.Count, builder.RefineRow(row, maxLevel1D: 30));
                Assert.False(builder.Contains(excluded), $"row {row}: excluded child {string.Join(',', excluded.ToArray())} was added");
                Assert.All(expected, p => Assert.True(builder.Contains(p)));
                if (newSubspace) checkedNew++;
                else checkedExisting++;
            }
        }
        Assert.True(checkedNew > 0 && checkedExisting > 0, $"both cases must occur: new {checkedNew}, existing {checkedExisting}");
    }

    [Fact]
    public void GrownIsFromDownwardClosedSubspacesWithTheSameRefusals()
    {
        var rng = new Random(6);
        foreach (var grid in DownwardClosedGrids(7))
        {
            var vectors = GridRemap.LevelVectors(grid);
            var candidates = ReferenceAdmissible(grid, 31);
            List<int[]> added = rng.Next(5) switch
            {
                0 => [vectors[rng.Next(vectors.Length)]],                                        // present already
                1 => [candidates[0], candidates[0]],                                            // twice
                2 => [Enumerable.Repeat(grid.MinLevel + 3, grid.Dim).ToArray()],                // not downward closed
                3 => [new int[grid.Dim + 1]],                                                   // wrong length
                _ => candidates.Where(_ => rng.Next(2) == 0).ToList(),
            };
            SparseGrid? expected = null;
            string? error = null;
            try { expected = SparseGrid.FromDownwardClosedSubspaces(grid.Dim, grid.Type, vectors.Concat(added)); }
            catch (ArgumentException e) { error = e.Message; }
            if (error is not null)
            {
                Assert.Equal(error, Assert.Throws<ArgumentException>(() => SubspaceRefinement.Grow(grid, added)).Message);
                continue;
            }
            var grown = SubspaceRefinement.Grow(grid, added);
            Assert.Equal(expected!.SubspaceLevels.ToArray(), grown.SubspaceLevels.ToArray());
            Assert.Equal(expected.SubspaceOffsets.ToArray(), grown.SubspaceOffsets.ToArray());
            Assert.Equal(expected.SubspaceStrides.ToArray(), grown.SubspaceStrides.ToArray());
            Assert.Equal(expected.Level, grown.Level);
            Assert.Equal(expected.HasGlobalLevels, grown.HasGlobalLevels);
        }
        Assert.Throws<GridTooLargeException>(() => SubspaceRefinement.Grow(SparseGrid.Create(2, 2), [[3, 1]], maxBytes: 100));
    }

    private static string Key(int[] levels) => string.Join(',', levels);

    private static HashSet<GridPoint> AllPoints(SparseGrid grid) =>
        Enumerable.Range(0, (int)grid.PointCount).Select(row => GridPoint.Of(grid, row)).ToHashSet();

    // The level vectors l + e_j absent from the grid whose every backward neighbour is present, by |l|_1 then lexicographically.
    private static List<int[]> ReferenceAdmissible(SparseGrid grid, int maxLevel1D)
    {
        var present = GridRemap.LevelVectors(grid).Select(Key).ToHashSet();
        var found = new Dictionary<string, int[]>();
        foreach (var l in GridRemap.LevelVectors(grid))
            for (int j = 0; j < grid.Dim; j++)
            {
                var c = l.Select((lj, i) => i == j ? lj + 1 : lj).ToArray();
                if (c[j] > maxLevel1D || present.Contains(Key(c))) continue;
                bool admissible = Enumerable.Range(0, grid.Dim).All(k => c[k] == grid.MinLevel || present.Contains(Key(c.Select((ci, i) => i == k ? ci - 1 : ci).ToArray())));
                if (admissible) found.TryAdd(Key(c), c);
            }
        return found.Values.OrderBy(l => l.Sum()).ThenBy(l => string.Join(',', l.Select(x => x.ToString("D2")))).ToList();
    }

    // The points of `seeds` absent from `points`, with their absent ancestors, each once.
    private static HashSet<GridPoint> ReferenceMissing(GridType type, HashSet<GridPoint> points, IEnumerable<GridPoint> seeds)
    {
        var missing = new HashSet<GridPoint>();
        var stack = new Stack<GridPoint>(seeds);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            if (points.Contains(p) || !missing.Add(p)) continue;
            foreach (var parent in p.Parents(type)) stack.Push(parent);
        }
        return missing;
    }
}
