using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class HeatmapTests
{
    [Fact]
    public void WritesPngWithOverlay()
    {
        using var dir = new TempDir();
        // Bright only in the upper-left corner: checks orientation when looking at the picture.
        var values = LatentFunctionSampler.Sample2D(p => Math.Exp(-20 * ((p[0] - 0.2) * (p[0] - 0.2) + (p[1] - 0.8) * (p[1] - 0.8))), 40, Extent2D.Unit);
        var (h, _, _) = PlotData.Clusters(60, 5);
        string path = dir.File("heatmap.png");
        Plots.Heatmap(path, values, Extent2D.Unit, "peak at (0.2, 0.8)", h);
        PngAssert.IsPng(path);
    }

    [Fact]
    public void RejectsNonSquareValues()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(dir.File("x.png"), new double[10], Extent2D.Unit, "t"));
        Assert.Contains("not a square number", e.Message);
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(dir.File("x.png"), new double[4], (0, 0, 0, 1), "t"));
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(dir.File("x.png"), new double[4], Extent2D.Unit, "t", new float[3]));
    }
}
