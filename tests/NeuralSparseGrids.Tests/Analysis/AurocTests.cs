using NeuralSparseGrids.Analysis;

namespace NeuralSparseGrids.Tests.Analysis;

public class AurocTests
{
    [Theory]
    [InlineData(1, 50, 70, 1000)]
    [InlineData(2, 200, 30, 5)]   // many ties
    [InlineData(3, 1, 1, 2)]
    public void MatchesBruteForcePairCount(int seed, int positives, int negatives, int levels)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, positives).Select(_ => (double)rng.Next(levels) + 1).ToArray();
        var neg = Enumerable.Range(0, negatives).Select(_ => (double)rng.Next(levels)).ToArray();
        double pairs = 0;
        foreach (var p in pos)
            foreach (var n in neg) pairs += p > n ? 1 : p == n ? 0.5 : 0;
        Assert.Equal(pairs / (positives * negatives), Auroc.Compute(pos, neg), 12);
    }

    [Fact]
    public void PerfectChanceAndReversed()
    {
        Assert.Equal(1, Auroc.Compute([2.0, 3], [0.0, 1]));
        Assert.Equal(0, Auroc.Compute([0.0, 1], [2.0, 3]));
        Assert.Equal(0.5, Auroc.Compute([1.0, 1], [1.0]));
        Assert.Throws<ArgumentException>(() => Auroc.Compute([], [1.0]));
    }
}
