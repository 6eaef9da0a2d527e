using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public sealed class SubspaceIndicatorTests
{
    public SubspaceIndicatorTests() => TorchRuntime.EnsureLoaded();

    // The surplus indicator (fused term builder, float32, candidates and parents only) against its definition summed
    // point by point with SparseGrid.BasisValue in float64: (1/N) sum_i sum_{q in candidate} phi_q(h_i) x
    // max over the backward neighbours' points p with phi_p(h_i) > 0 of ||alpha_p||.
    [Theory]
    [InlineData(GridType.Linear, 2, 3)]
    [InlineData(GridType.Linear, 3, 3)]
    [InlineData(GridType.LinearBoundary, 2, 2)]
    [InlineData(GridType.ModifiedLinear, 3, 2)]
    public void SurplusIndicatorMatchesItsDefinitionSummedPointByPoint(GridType type, int d, int level)
    {
        var current = SparseGrid.Create(d, level, type);
        var candidates = SubspaceRefinement.AdmissibleForwardNeighbours(current);
        var grid = SubspaceRefinement.Grow(current, candidates);
        var random = new Random(11);
        var norms = new double[grid.PointCount];
        for (long p = 0; p < current.PointCount; p++) norms[p] = random.NextDouble();
        const int n = 300;
        var h = new float[n * d];
        for (int k = 0; k < h.Length; k++) h[k] = (float)random.NextDouble();
        // A few samples on cell edges and the box's faces, where hats vanish.
        h[0] = 0.5f; h[1] = 0f; h[2 * d] = 1f; h[3 * d + 1] = 0.25f;

        var actual = SubspaceIndicators.Surplus(grid, current.SubspaceCount, norms, h);

        Assert.Equal(candidates.Count, actual.Length);
        var x = new double[d];
        for (int c = 0; c < candidates.Count; c++)
        {
            int s = current.SubspaceCount + c;
            var parents = Enumerable.Range(0, d).Where(j => candidates[c][j] > grid.MinLevel)
                .Select(j => SubspaceNumber(grid, candidates[c].Select((l, m) => m == j ? l - 1 : l).ToArray())).ToArray();
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < d; j++) x[j] = h[i * d + j];
                double mass = 0, parent = 0;
                for (long q = grid.SubspaceOffsets[s]; q < grid.SubspaceOffsets[s + 1]; q++) mass += grid.BasisValue(q, x);
                foreach (int k in parents)
                    for (long p = grid.SubspaceOffsets[k]; p < grid.SubspaceOffsets[k + 1]; p++)
                        if (grid.BasisValue(p, x) > 0) parent = Math.Max(parent, norms[p]);
                sum += mass * parent;
            }
            double expected = sum / n;
            Assert.True(Math.Abs(actual[c] - expected) <= 1e-5 * Math.Max(1, expected), $"candidate ({string.Join(",", candidates[c])}): {actual[c]} vs {expected}");
        }
        Assert.Contains(actual, v => v > 0);
    }

    private static int SubspaceNumber(SparseGrid grid, int[] levels)
    {
        for (int s = 0; s < grid.SubspaceCount; s++)
            if (grid.SubspaceLevels.Slice(s * grid.Dim, grid.Dim).SequenceEqual(levels)) return s;
        throw new InvalidOperationException("no such subspace");
    }

    // The order a step takes candidates in: descending score, ties by ascending index, NaNs last; checked against the
    // comparison sort it replaced, on scores with many ties (zeros, repeats, signed zeros), infinities and NaNs.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void BestFirstOrderIsDescendingScoreThenAscendingIndexWithNaNsLast(int seed)
    {
        var random = new Random(seed);
        double[] special = [0, -0.0, 1, 0.5, double.NaN, double.PositiveInfinity, 1e-300];
        var scores = new double[500];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = random.Next(3) == 0 ? special[random.Next(special.Length)] : Math.Round(random.NextDouble() * 20) / 20;
        var expected = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(expected, (a, b) =>
        {
            int c = scores[b].CompareTo(scores[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        Assert.Equal(expected, BestFirstOrder.All(scores));
        Assert.Empty(BestFirstOrder.All([]));
    }
}
