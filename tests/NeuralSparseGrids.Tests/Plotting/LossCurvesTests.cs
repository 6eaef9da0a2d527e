using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class LossCurvesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WritesPng(bool log)
    {
        using var dir = new TempDir();
        var train = Enumerable.Range(0, 30).Select(i => 2 * Math.Exp(-0.2 * i) + 0.01).ToArray();
        var validation = train.Select((v, i) => v * 1.2 + 0.002 * i).ToArray();
        string path = dir.File(log ? "loss-log.png" : "loss-linear.png");
        Plots.LossCurves(path, train, validation, "MSE", log);
        PngAssert.IsPng(path);
    }

    [Fact]
    public void ValidationMayBeMissing()
    {
        using var dir = new TempDir();
        Plots.LossCurves(dir.File("a.png"), new[] { 0.9, 0.95 }, null, "accuracy", false);
        PngAssert.IsPng(dir.File("a.png"));
    }

    [Fact]
    public void RejectsBadInput()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => Plots.LossCurves(dir.File("a.png"), Array.Empty<double>(), null, "MSE", false));
        var e = Assert.Throws<ArgumentException>(() => Plots.LossCurves(dir.File("a.png"), new[] { 1.0, 0.0 }, null, "MSE", true));
        Assert.Contains("log scale needs values > 0", e.Message);
        Assert.Throws<ArgumentException>(() => Plots.LossCurves("", new[] { 1.0 }, null, "MSE", false));
    }
}
