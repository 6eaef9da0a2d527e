using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class DimensionDistributionsTests
{
    [Fact]
    public void WritesViolinsForEightDimensions()
    {
        using var dir = new TempDir();
        int n = 500, d = 8;
        var rng = new Random(6);
        var h = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                h[i * d + j] = (float)(j % 2 == 0
                    ? 1 / (1 + Math.Exp(-3 * PlotData.Gaussian(rng)))     // pushed towards 0 and 1
                    : 0.5 + 0.1 * (j / 8.0 + 1) * PlotData.Gaussian(rng));
        string path = dir.File("dimension-distributions.png");
        Plots.DimensionDistributions(path, h, d, "level 4", (0, 1));
        PngAssert.IsPng(path);
    }

    [Fact]
    public void HandlesConstantDimensionsAndSinglePoint()
    {
        using var dir = new TempDir();
        Plots.DimensionDistributions(dir.File("c.png"), new float[] { 0.5f, 0.5f, 0.5f, 0.5f }, 2);
        PngAssert.IsPng(dir.File("c.png"));
        Plots.DimensionDistributions(dir.File("one.png"), new float[] { 0.1f, 0.9f, 0.3f }, 3);
        PngAssert.IsPng(dir.File("one.png"));
    }

    [Fact]
    public void RejectsBadShapes()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Plots.DimensionDistributions(dir.File("x.png"), new float[7], 2));
        Assert.Contains("not a multiple of 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Plots.DimensionDistributions(dir.File("x.png"), new float[4], 0));
        Assert.Throws<ArgumentException>(() => Plots.DimensionDistributions(dir.File("x.png"), new float[4], 2, yRange: (1, 0)));
    }
}
