using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class EmbeddingsOverEpochsTests
{
    [Fact]
    public void WritesOneImageWithAllPanels()
    {
        using var dir = new TempDir();
        var (h, classes, _) = PlotData.Clusters(400, 3);
        var collector = new EmbeddingSnapshots(maxPointsPerSnapshot: 150, seed: 1);
        foreach (int epoch in new[] { 0, 5, 20, 50 })
        {
            // Clusters spread out from the centre as "training" goes on.
            double s = 0.2 + 0.8 * epoch / 50.0;
            var moved = h.Select(v => (float)(0.5 + s * (v - 0.5))).ToArray();
            collector.Add($"epoch {epoch}", moved, 400, 2, classLabels: classes);
        }
        string path = dir.File("embeddings-over-epochs.png");
        Plots.EmbeddingsOverEpochs(path, collector.Snapshots, extent: Extent2D.Unit);
        PngAssert.IsPng(path);
        // Four panels in one row.
        using var stream = File.OpenRead(path);
        var header = new byte[24];
        stream.ReadExactly(header);
        int width = (header[16] << 24) | (header[17] << 16) | (header[18] << 8) | header[19];
        int height = (header[20] << 24) | (header[21] << 16) | (header[22] << 8) | header[23];
        Assert.Equal(4 * height, width);
    }

    [Fact]
    public void TargetsColourAndTwoRows()
    {
        using var dir = new TempDir();
        var (h, _, values) = PlotData.Clusters(50, 4);
        var collector = new EmbeddingSnapshots(100, 0);
        for (int i = 0; i < 3; i++) collector.Add($"iteration {i}", h, 50, 2, targets: values);
        Plots.EmbeddingsOverEpochs(dir.File("targets.png"), collector.Snapshots, columns: 2);
        PngAssert.IsPng(dir.File("targets.png"));
    }

    [Fact]
    public void RejectsEmptyAndHigherDimensions()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => Plots.EmbeddingsOverEpochs(dir.File("x.png"), Array.Empty<EmbeddingSnapshot>()));
        var three = new EmbeddingSnapshots(10).Add("e", new float[6], 2, 3);
        var e = Assert.Throws<ArgumentException>(() => Plots.EmbeddingsOverEpochs(dir.File("x.png"), new[] { three }));
        Assert.Contains("dimension 3", e.Message);
    }
}
