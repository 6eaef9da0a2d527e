using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>Spatially adaptive grids (partial subspaces): description, lookup, evaluation, hierarchization, refinement and coarsening.</summary>
public class SpatiallyAdaptiveGridTests
{
    public static TheoryData<GridType, int> Types => new()
    {
        { GridType.Linear, 2 }, { GridType.Linear, 3 }, { GridType.ModifiedLinear, 2 }, { GridType.LinearBoundary, 2 },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void RandomRefinementGivesAnAncestorClosedGridWithPartialSubspaces(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 12, 3);
        Assert.True(grid.HasPartialSubspaces);
        grid.EnsureAncestorClosed();
        long sum = 0;
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            long size = grid.SubspaceOffsets[s + 1] - grid.SubspaceOffsets[s];
            Assert.InRange(size, 1, grid.FullSubspaceSize(s));
            Assert.Equal(grid.IsPartial(s), size < grid.FullSubspaceSize(s));
            sum += size;
        }
        Assert.Equal(grid.PointCount, sum);
        Assert.True(grid.PointCount < SparseGrid.Create(dim, grid.MaxLevel1D + (dim - 1) * (1 - grid.MinLevel), type).PointCount);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void PointRowAndLocalIndexAreInverseAndAbsentPointsAreMinusOne(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 10, 5);
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            var present = new HashSet<int>();
            for (long p = grid.SubspaceOffsets[s]; p < grid.SubspaceOffsets[s + 1]; p++)
            {
                int local = grid.LocalIndex(s, (int)(p - grid.SubspaceOffsets[s]));
                Assert.Equal(p, grid.PointRow(s, local));
                present.Add(local);
            }
            for (int local = 0; local < grid.FullSubspaceSize(s); local++)
                if (!present.Contains(local)) Assert.Equal(-1, grid.PointRow(s, local));
        }
    }

    [Fact]
    public void RankLookupMatchesAHashSetAcrossWordBoundaries()
    {
        var rng = new Random(2);
        var locals = Enumerable.Range(0, 300).Where(_ => rng.Next(3) == 0).ToArray();
        var set = new SubspacePointSet(300, locals.Reverse());
        Assert.Equal(locals.Length, set.Count);
        for (int k = 0; k < 300; k++) Assert.Equal(Array.IndexOf(locals, k), set.Rank(k));
        Assert.Equal(locals, set.Locals.ToArray());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void FastEvaluationMatchesTheBruteForceReference(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 12, 7);
        var rng = new Random(1);
        int batch = 50, outputs = 2;
        var alpha = Enumerable.Range(0, (int)grid.PointCount * outputs).Select(_ => rng.NextDouble() - 0.5).ToArray();
        // Random points plus the grid's own points (on kinks).
        var coords = grid.AllCoordinates();
        var x = Enumerable.Range(0, batch * dim).Select(_ => rng.NextDouble()).Concat(coords.Take(20 * dim)).ToArray();
        int n = x.Length / dim;
        var fast = new double[n * outputs];
        var slow = new double[n * outputs];
        SparseGridEvaluator.Evaluate(grid, alpha, x, fast);
        BruteForceEvaluator.Evaluate(grid, alpha, x, slow);
        for (int i = 0; i < fast.Length; i++) Assert.True(Math.Abs(fast[i] - slow[i]) < 1e-12, $"value {i}: {fast[i]} vs {slow[i]}");
        var gFast = new double[n * outputs * dim];
        var gSlow = new double[n * outputs * dim];
        SparseGridEvaluator.Gradient(grid, alpha, x, gFast);
        BruteForceEvaluator.Gradient(grid, alpha, x, gSlow);
        for (int i = 0; i < gFast.Length; i++) Assert.True(Math.Abs(gFast[i] - gSlow[i]) < 1e-9, $"gradient {i}: {gFast[i]} vs {gSlow[i]}");
        // Transpose: <B alpha, r> = <alpha, B^T r>.
        var r = Enumerable.Range(0, n * outputs).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var bt = new double[alpha.Length];
        SparseGridEvaluator.EvaluateTranspose(grid, r, x, bt);
        double left = fast.Zip(r).Sum(p => p.First * p.Second), right = alpha.Zip(bt).Sum(p => p.First * p.Second);
        Assert.True(Math.Abs(left - right) < 1e-9 * Math.Max(1, Math.Abs(left)), $"<B a, r> = {left}, <a, B^T r> = {right}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void HierarchizationInterpolatesAndRoundTrips(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 12, 9);
        var coords = grid.AllCoordinates();
        int points = (int)grid.PointCount;
        var nodal = new double[points * 2];
        for (int p = 0; p < points; p++)
        {
            double a = 0, b = 1;
            for (int j = 0; j < dim; j++) { a += Math.Sin(3 * coords[p * dim + j] + j); b *= 1 + coords[p * dim + j]; }
            nodal[2 * p] = a;
            nodal[2 * p + 1] = b;
        }
        var alpha = (double[])nodal.Clone();
        Hierarchization.Hierarchize(grid, alpha);
        var atPoints = new double[points * 2];
        BruteForceEvaluator.Evaluate(grid, alpha, coords, atPoints);
        for (int i = 0; i < nodal.Length; i++) Assert.True(Math.Abs(atPoints[i] - nodal[i]) < 1e-10, $"interpolant at point {i / 2}: {atPoints[i]} vs {nodal[i]}");
        Hierarchization.Dehierarchize(grid, alpha);
        for (int i = 0; i < nodal.Length; i++) Assert.True(Math.Abs(alpha[i] - nodal[i]) < 1e-10);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void RefinementKeepsTheFunctionAndNewSurplusesStartAtZero(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 6, 11);
        var rng = new Random(4);
        var alpha = Enumerable.Range(0, (int)grid.PointCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var builder = new PointRefinement(grid);
        var refined = Enumerable.Range(0, 3).Select(_ => GridPoint.Of(grid, rng.Next((int)grid.PointCount)));
        var added = builder.MissingWithAncestors(refined.SelectMany(p => p.Children(type)));
        Assert.NotEmpty(added);
        builder.Add(added);
        var grown = builder.Build();
        Assert.Equal(grid.PointCount + added.Count, grown.PointCount);
        var sources = GridRemap.PointSources(grid, grown);
        Assert.Equal(added.Count, sources.Count(s => s < 0));
        var carried = sources.Select(s => s < 0 ? 0 : alpha[s]).ToArray();
        var (before, after) = BeforeAndAfter(grid, alpha, grown, carried, rng, 200);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 12);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void CoarseningChangesTheFunctionByAtMostTheRemovedSurpluses(GridType type, int dim)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 10, 13);
        var rng = new Random(6);
        var alpha = Enumerable.Range(0, (int)grid.PointCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var leaves = PointRefinement.Leaves(grid);
        Assert.NotEmpty(leaves);
        var removed = leaves.Where((_, i) => i % 2 == 0).ToList();
        var builder = new PointRefinement(grid);
        builder.Remove(removed.Select(row => GridPoint.Of(grid, row)));
        var shrunk = builder.Build();
        Assert.Equal(grid.PointCount - removed.Count, shrunk.PointCount);
        var sources = GridRemap.PointSources(grid, shrunk);
        Assert.DoesNotContain(-1, sources);
        var carried = sources.Select(s => alpha[s]).ToArray();
        double bound = removed.Sum(row => Math.Abs(alpha[row]));
        var (before, after) = BeforeAndAfter(grid, alpha, shrunk, carried, rng, 300);
        double largest = before.Zip(after).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(largest <= bound + 1e-12, $"change {largest} above the removed surpluses' sum {bound}");
        Assert.True(largest > 0);
    }

    // The two grids' functions at `count` random points of the box.
    private static (double[] Before, double[] After) BeforeAndAfter(SparseGrid grid, double[] alpha, SparseGrid changed, double[] carried, Random rng, int count)
    {
        var x = Enumerable.Range(0, count * grid.Dim).Select(_ => rng.NextDouble()).ToArray();
        var before = new double[count];
        var after = new double[count];
        SparseGridEvaluator.Evaluate(grid, alpha, x, before);
        SparseGridEvaluator.Evaluate(changed, carried, x, after);
        return (before, after);
    }

    [Fact]
    public void APointWithoutItsParentIsRefusedNamingThePoint()
    {
        // Subspace (2, 1) holds only its right point (x = 3/4) while (1, 1) is full: fine. Subspace (3, 1) holding
        // x = 1/8 (local 0) without its parent x = 1/4 (local 0 of (2, 1)) is not.
        var ok = SparseGrid.FromPointSets(2, GridType.Linear, [[1, 1], [2, 1], [3, 1]], [null, [1], [2, 3]]);
        Assert.Equal(4, ok.PointCount);
        var e = Assert.Throws<ArgumentException>(() => SparseGrid.FromPointSets(2, GridType.Linear, [[1, 1], [2, 1], [3, 1]], [null, [1], [0]]));
        Assert.Contains("parent in dimension 0", e.Message);
        Assert.Throws<ArgumentException>(() => SparseGrid.FromPointSets(2, GridType.Linear, [[1, 1], [2, 1]], [null, Array.Empty<int>()]));
    }

    [Fact]
    public void ExtendedBoundaryGridsRefusePartialSubspaces()
    {
        var e = Assert.Throws<ArgumentException>(() => SparseGrid.FromPointSets(1, GridType.LinearExtendedBoundary, [[1], [2]], [null, [0]]));
        Assert.Contains("LinearExtendedBoundary", e.Message);
        Assert.Throws<ArgumentException>(() => new PointRefinement(SparseGrid.Create(2, 2, GridType.LinearExtendedBoundary)));
    }

    [Fact]
    public void ThePointSetRoundTripsThroughFullSetsAndItsDescription()
    {
        var grid = SpatialGrids.Random(GridType.Linear, 2, 3, 8, 17);
        var levels = GridRemap.LevelVectors(grid);
        var sets = Enumerable.Range(0, grid.SubspaceCount).Select(s => grid.PointSet(s)?.Locals.ToArray()).ToArray();
        var again = SparseGrid.FromPointSets(2, GridType.Linear, levels, sets);
        Assert.Equal(grid.AllCoordinates(), again.AllCoordinates());
        // A point set naming every point is stored as a full subspace.
        var full = SparseGrid.FromPointSets(2, GridType.Linear, [[1, 1], [2, 1]], [null, [1, 0]]);
        Assert.False(full.HasPartialSubspaces);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    public void TheMassMatrixOfAPartialGridIsTheFullGridsRestricted(GridType type)
    {
        var grid = SpatialGrids.Random(type, 2, 2, 8, 19);
        var full = SparseGrid.FromSubspaces(2, type, GridRemap.LevelVectors(grid));
        var sources = GridRemap.PointSources(full, grid);   // row of the full grid for each point of the adaptive one
        var rng = new Random(3);
        var v = Enumerable.Range(0, (int)grid.PointCount).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var vFull = new double[full.PointCount];
        for (int p = 0; p < v.Length; p++) vFull[sources[p]] = v[p];
        var result = new double[v.Length];
        var resultFull = new double[vFull.Length];
        new GramOperator(grid).Apply(v, result, 1, 0.1, DensityRegularizer.Laplace);
        new GramOperator(full).Apply(vFull, resultFull, 1, 0.1, DensityRegularizer.Laplace);
        for (int p = 0; p < v.Length; p++) Assert.Equal(resultFull[sources[p]], result[p], 12);
    }
}
