using NeuralSparseGrids.Analysis;

namespace NeuralSparseGrids.Tests.Analysis;

public class EmbeddingSnapshotsTests
{
    [Fact]
    public void CapsAndTracksTheSamePointsOverSnapshots()
    {
        int n = 50, d = 2;
        var h = Enumerable.Range(0, n * d).Select(i => (float)i).ToArray();
        var labels = Enumerable.Range(0, n).ToArray();
        var collector = new EmbeddingSnapshots(maxPointsPerSnapshot: 10, seed: 3);
        var first = collector.Add("epoch 0", h, n, d, classLabels: labels);
        var second = collector.Add("epoch 1", h.Select(v => v + 0.5f).ToArray(), n, d, classLabels: labels);
        Assert.Equal(10, first.Count);
        Assert.Equal(n, first.SourceCount);
        Assert.Equal(first.ClassLabels, second.ClassLabels);
        Assert.True(first.ClassLabels!.SequenceEqual(first.ClassLabels!.Order()));
        Assert.Equal(10, first.ClassLabels!.Distinct().Count());
        for (int i = 0; i < first.Count; i++)
            Assert.Equal(2 * first.ClassLabels![i], first.Embeddings[i * d]);
        Assert.Equal(2, collector.Snapshots.Count);
        Assert.Null(first.Targets);

        var again = new EmbeddingSnapshots(10, seed: 3).Add("x", h, n, d, classLabels: labels);
        Assert.Equal(first.ClassLabels, again.ClassLabels);
    }

    [Fact]
    public void KeepsEverythingBelowTheCap()
    {
        var collector = new EmbeddingSnapshots(100, seed: 1);
        var s = collector.Add("it 5", new float[] { 1, 2, 3 }, 3, 1, targets: new[] { 0.1, 0.2, 0.3 });
        Assert.Equal(new float[] { 1, 2, 3 }, s.Embeddings);
        Assert.Equal(new[] { 0.1, 0.2, 0.3 }, s.Targets);
    }

    [Fact]
    public void RejectsMismatches()
    {
        var collector = new EmbeddingSnapshots(5);
        Assert.Throws<ArgumentException>(() => collector.Add("a", new float[4], 3, 2));
        Assert.Throws<ArgumentException>(() => collector.Add("a", new float[4], 2, 2, classLabels: new int[3]));
        Assert.Throws<ArgumentException>(() => collector.Add("a", new float[4], 2, 2, targets: new double[1]));
        collector.Add("a", new float[4], 2, 2);
        Assert.Throws<ArgumentException>(() => collector.Add("b", new float[3], 1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingSnapshots(0));
    }
}
