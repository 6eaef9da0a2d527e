using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

public class FileDataDefaultsTests
{
    [Theory]
    [InlineData(16, 20000, 26)]
    [InlineData(60, 208, 2)]
    [InlineData(401, 60, 0)]
    [InlineData(9, 214, 6)]
    public void TheGridStaysWithinItsBudgetAndTheWidthFollowsTheInputs(int inputs, int rows, int classes)
    {
        var d = FileDataDefaults.For(inputs, rows, classes);
        Assert.True(GridSize.Points(d.Latent, d.Level, GridType.Linear) <= Math.Max(FileDataDefaults.MinGridPoints, Math.Min(FileDataDefaults.MaxGridPoints, rows)));
        Assert.All(d.HiddenLayers, w => Assert.InRange(w, 128, 256));
        Assert.True(d.Patience > 0 && d.Patience < d.Epochs);
    }

    [Fact]
    public void MoreClassesGetMoreLatentDimensions()
    {
        Assert.True(FileDataDefaults.For(16, 20000, 26).Latent > FileDataDefaults.For(16, 20000, 2).Latent);
        Assert.Throws<ArgumentOutOfRangeException>(() => FileDataDefaults.For(0, 10, 2));
    }
}
