using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class Embeddings2DTests
{
    [Fact]
    public void ClassesWithActivatedGridPoints()
    {
        using var dir = new TempDir();
        var (h, classes, _) = PlotData.Clusters(300, 1);
        var grid = SparseGrid.Create(2, 4);
        var activated = ActivatedPoints.Count(grid, h.Select(v => Math.Clamp((double)v, 0, 1)).ToArray(), 300);
        string path = dir.File("embeddings-classes.png");
        Plots.Embeddings2D(path, h, classLabels: classes, gridPoints: grid.AllCoordinates(), activatedMask: activated.Mask,
            title: $"activated {activated.Activated} of {activated.Total}");
        PngAssert.IsPng(path);
    }

    [Fact]
    public void ContinuousColoursAndPlain()
    {
        using var dir = new TempDir();
        var (h, _, values) = PlotData.Clusters(200, 2);
        Plots.Embeddings2D(dir.File("embeddings-values.png"), h, colorValues: values, title: "target");
        PngAssert.IsPng(dir.File("embeddings-values.png"));
        Plots.Embeddings2D(dir.File("embeddings-plain.png"), h, extent: (0, 1, 0, 1));
        PngAssert.IsPng(dir.File("embeddings-plain.png"));
    }

    [Fact]
    public void RejectsMismatches()
    {
        using var dir = new TempDir();
        string p = dir.File("x.png");
        var e = Assert.Throws<ArgumentException>(() => Plots.Embeddings2D(p, new float[3]));
        Assert.Contains("(n, 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Plots.Embeddings2D(p, new float[4], colorValues: new double[3]));
        Assert.Contains("colorValues has 3 values for 2 embeddings", e.Message);
        Assert.Throws<ArgumentException>(() => Plots.Embeddings2D(p, new float[4], classLabels: new int[1]));
        Assert.Throws<ArgumentException>(() => Plots.Embeddings2D(p, new float[4], activatedMask: new bool[1]));
        e = Assert.Throws<ArgumentException>(() => Plots.Embeddings2D(p, new float[4], gridPoints: new double[4], activatedMask: new bool[3]));
        Assert.Contains("activatedMask has 3 values for 2 grid points", e.Message);
        Assert.False(File.Exists(p));
    }
}
