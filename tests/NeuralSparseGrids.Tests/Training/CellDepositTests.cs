using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Tests.Grids;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>
/// The cell deposits (<see cref="CellDeposits"/>) against the term visitor they replace on Linear grids: the same
/// surplus indicator per candidate, up to float32 rounding, with the same exact zeros.
/// </summary>
public sealed class CellDepositTests
{
    // Embeddings in a patch of the box (so some supports hold none) plus samples on cell corners, the box's faces and
    // the patch's edge, where hats vanish or are 1.
    private static float[] Embeddings(int n, int d, int seed)
    {
        var random = new Random(seed);
        var h = new float[n * d];
        for (int k = 0; k < h.Length; k++) h[k] = 0.15f + 0.6f * (float)random.NextDouble();
        float[] special = [0f, 1f, 0.5f, 0.25f, 0.375f, 0.75f, 0.0625f];
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < d; j++) h[i * d + j] = special[random.Next(special.Length)];
        return h;
    }

    [Theory]
    [InlineData(2, 3, 0, 1)]
    [InlineData(2, 4, 4, 2)]
    [InlineData(3, 2, 3, 3)]
    public void SurplusIndicatorEqualsTheTermVisitors(int d, int level, int refinements, int seed)
    {
        // A dimension-adaptive grid (full subspaces, as subspace refinement keeps them): the subspaces of a randomly
        // refined one, so the set is irregular.
        var current = SparseGrid.FromDownwardClosedSubspaces(d, GridType.Linear, GridRemap.LevelVectors(SpatialGrids.Random(GridType.Linear, d, level, refinements, seed)));
        var candidates = SubspaceRefinement.AdmissibleForwardNeighbours(current);
        var grid = SubspaceRefinement.Grow(current, candidates);
        var random = new Random(seed);
        var norms = new double[grid.PointCount];
        for (long p = 0; p < current.PointCount; p++) norms[p] = random.NextDouble();
        var h = Embeddings(20000, d, seed);

        var actual = SubspaceIndicators.SurplusByDeposits(current, [.. candidates], norms[..(int)current.PointCount], h);
        var expected = SubspaceIndicators.SurplusByTerms(grid, current.SubspaceCount, norms, h);

        Assert.NotNull(actual);   // the deposits pay at this size (else Surplus falls back and this test tests nothing)
        Assert.Equal(expected.Length, actual.Length);
        for (int c = 0; c < actual.Length; c++)
        {
            Assert.True(Math.Abs(actual[c] - expected[c]) <= 1e-5 * Math.Max(1e-3, expected[c]), $"candidate {c}: {actual[c]} vs {expected[c]}");
            Assert.Equal(expected[c] == 0, actual[c] == 0);
        }
        Assert.Contains(expected, v => v > 0);
    }

    [Fact]
    public void CoarserTablesHoldTheSameSamples()
    {
        // Every table, at any resolution, holds the deposits of all samples: each sample's corner weights sum to 1.
        var h = Embeddings(500, 2, 7);
        using var deposits = CellDeposits.TryCreate(h, [5, 4])!;
        foreach (int[] r in new[] { new[] { 5, 4 }, [3, 4], [5, 1], [1, 1], [2, 3] })
            Assert.Equal(500, deposits.Table(r).ToArray().Sum(), 9);
    }

    [Theory]
    [InlineData(2, new[] { 4, 3 }, new[] { 2, 3 })]
    [InlineData(3, new[] { 3, 2, 3 }, new[] { 1, 2, 2 })]
    [InlineData(1, new[] { 5 }, new[] { 3 })]
    public void EveryNodeHoldsTheSumOfItsHat(int d, int[] finest, int[] coarser)
    {
        // Brute force: node k of the table at resolution r sums prod_j max(0, 1 - |2^{r_j} h_j - k_j|) over the samples,
        // boundary nodes included (the indicator reads only interior ones); both the deposit (d = 2 has its own loop)
        // and a restricted table.
        var h = Embeddings(300, d, 11);
        using var deposits = CellDeposits.TryCreate(h, finest)!;
        foreach (var r in new[] { finest, coarser })
        {
            var table = deposits.Table(r).ToArray();
            Assert.Equal(CellDeposits.TableValues(r), table.Length);
            var strides = new int[d];
            CellDeposits.NodeStrides(r, strides);
            for (int node = 0; node < table.Length; node++)
            {
                double expected = 0;
                for (int i = 0; i < h.Length / d; i++)
                {
                    double value = 1;
                    for (int j = 0; j < d; j++)
                    {
                        int k = node / strides[j] % ((1 << r[j]) + 1);
                        value *= Math.Max(0, 1 - Math.Abs((double)h[i * d + j] * (1 << r[j]) - k));
                    }
                    expected += value;
                }
                Assert.True(Math.Abs(table[node] - expected) <= 1e-9 * Math.Max(1, expected), $"resolution ({string.Join(",", r)}) node {node}: {table[node]} vs {expected}");
            }
        }
    }

    [Fact]
    public void TablesAllocateNoManagedMemory()
    {
        // The tables are native: a refinement step that needed a large managed one triggered a garbage collection
        // (a pause some ten times the step). 2^16 nodes would be 512 KiB; allow the bookkeeping.
        var h = Embeddings(1000, 2, 5);
        CellDeposits.TryCreate(h, [1, 1])!.Dispose();   // first-use allocations (type setup) outside the count
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var deposits = CellDeposits.TryCreate(h, [8, 8])!)
            for (int level = 1; level <= 8; level++) deposits.Table([level, 9 - level > 8 ? 8 : 9 - level]);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32 * 1024, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
    }

    [Fact]
    public void NotANumberFallsBackToTheTermVisitor()
    {
        var h = Embeddings(100, 2, 3);
        h[5] = float.NaN;
        Assert.Null(CellDeposits.TryCreate(h, [3, 3]));
    }
}
