using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Tests.Grids;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>
/// <see cref="SampleBins"/> against the term visitor (the data mass per point) and against a brute-force count of the
/// samples it visits, on spatially adaptive Linear grids refined deeper than their regular start, with bins coarser
/// and finer than the supports.
/// </summary>
public sealed class SampleBinsTests
{
    [Theory]
    [InlineData(2, 3, 30, 1, 2000)]
    [InlineData(2, 2, 60, 2, 3000)]
    [InlineData(3, 2, 25, 3, 2000)]
    [InlineData(1, 3, 15, 4, 500)]
    [InlineData(2, 3, 0, 5, 1000)]
    public void PointSumsEqualTheTermVisitorsMass(int d, int level, int refinements, int seed, int n)
    {
        var grid = SpatialGrids.Random(GridType.Linear, d, level, refinements, seed);
        var h = CellDepositTests.Embeddings(n, d, seed);
        var expected = SubspaceIndicators.SumsByTerms(grid, h);
        var maxLevels = MaxLevels(grid);
        // The chosen resolution, the coarsest (one bin) and bins at the deepest support cells in every dimension.
        foreach (var bits in new[] { SampleBins.Resolution(n, maxLevels), new int[d], maxLevels.Select(l => l - 1).ToArray() })
        {
            var actual = SampleBins.TryCreate(h, bits, maxLevels)!.PointSums(grid);
            Assert.Equal(expected.Length, actual.Length);
            for (int p = 0; p < actual.Length; p++)
            {
                // Same float32 weights, float64 sums in another order.
                Assert.True(Math.Abs(actual[p] - expected[p]) <= 1e-9 * Math.Max(1, expected[p]), $"bits {string.Join(",", bits)}, point {p}: {actual[p]} vs {expected[p]}");
                Assert.Equal(expected[p] == 0, actual[p] == 0);
            }
        }
        Assert.Contains(expected, v => v == 0);
        Assert.Contains(expected, v => v > 0);
    }

    [Theory]
    [InlineData(2, 3, 30, 1)]
    [InlineData(3, 2, 25, 3)]
    public void EachPointVisitsTheFewestSamplesOfItsBoxAndStrips(int d, int level, int refinements, int seed)
    {
        var grid = SpatialGrids.Random(GridType.Linear, d, level, refinements, seed);
        const int n = 1500;
        var h = CellDepositTests.Embeddings(n, d, seed);
        var maxLevels = MaxLevels(grid);
        var boxBits = SampleBins.Resolution(n, maxLevels);
        var sortings = new List<int[]> { boxBits };
        for (int j = 0; j < d; j++)
        {
            var strip = new int[d];
            strip[j] = Math.Min(maxLevels[j] - 1, 12);
            sortings.Add(strip);
        }
        long expected = 0;
        var k = new int[d];
        for (int s = 0; s < grid.SubspaceCount; s++)
            for (long row = grid.SubspaceOffsets[s]; row < grid.SubspaceOffsets[s + 1]; row++)
            {
                grid.LocalPositions(s, grid.LocalIndex(s, (int)(row - grid.SubspaceOffsets[s])), k);
                expected += sortings.Min(bits => Enumerable.Range(0, n).Count(i => Enumerable.Range(0, d).All(j =>
                {
                    // The sample's bin and the point's support cell (level l - 1, position k) at the coarser of the two resolutions.
                    int l = grid.SubspaceLevel(s, j) - 1, cells = 1 << bits[j];
                    int bin = Math.Min((int)(Math.Clamp(h[i * d + j], 0f, 1f) * cells), cells - 1);
                    return l >= bits[j] ? bin == k[j] >> (l - bits[j]) : bin >> (bits[j] - l) == k[j];
                })));
            }
        Assert.Equal(expected, SampleBins.TryCreate(h, boxBits, maxLevels)!.Visits(grid));
        Assert.True(expected < (long)n * grid.SubspaceCount / 2);   // the point of the bins: far fewer than the visitor's terms
    }

    [Fact]
    public void ResolutionAimsAtFourSamplesABinWithinTheDeepestSupports()
    {
        Assert.Equal([5, 5], SampleBins.Resolution(4800, [8, 10]));   // 2^10 bins for 4,800 samples
        Assert.Equal([2, 8], SampleBins.Resolution(4800, [3, 12]));   // dimension 0's supports stop at level-2 cells
        Assert.Equal([0, 0], SampleBins.Resolution(3, [5, 5]));
        Assert.Null(SampleBins.TryCreate([0.5f, float.NaN], [1, 1], [3, 3]));
    }

    private static int[] MaxLevels(SparseGrid grid) =>
        Enumerable.Range(0, grid.Dim).Select(j => Enumerable.Range(0, grid.SubspaceCount).Max(s => grid.SubspaceLevel(s, j))).ToArray();
}
