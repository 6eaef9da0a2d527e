using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Tests.Plotting;

public class PredictedVsActualTests
{
    [Fact]
    public void WritesPng()
    {
        using var dir = new TempDir();
        var rng = new Random(1);
        var actual = Enumerable.Range(0, 200).Select(_ => rng.NextDouble() * 4 - 1).ToArray();
        var predicted = actual.Select(a => a + 0.2 * (rng.NextDouble() - 0.5)).ToArray();
        string path = dir.File("predicted-vs-actual.png");
        Plots.PredictedVsActual(path, predicted, actual, "Swiss roll: test set");
        PngAssert.IsPng(path);
    }

    [Fact]
    public void RejectsLengthMismatch()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Plots.PredictedVsActual(dir.File("x.png"), new double[3], new double[2], "t"));
        Assert.Contains("predicted has 3 values but actual has 2", e.Message);
        Assert.Throws<ArgumentException>(() => Plots.PredictedVsActual(dir.File("x.png"), new double[0], new double[0], "t"));
        Assert.Throws<ArgumentException>(() => Plots.PredictedVsActual(dir.File("x.png"), new[] { double.NaN }, new[] { 1.0 }, "t"));
        Assert.False(File.Exists(dir.File("x.png")));
    }
}
