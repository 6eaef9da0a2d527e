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

    [Theory]
    [InlineData(167, 16, 0.003)]    // servo: 116 training rows, 32 would be 3 steps an epoch
    [InlineData(60, 16, 0.003)]     // gasoline: 42 rows; the floor of 16 wins over 8 steps
    [InlineData(768, 32, 0.003)]    // pima: 537 rows, 16 steps at 32
    [InlineData(20000, 256, 0.0085)] // letter: 14,000 rows / 50 -> 256 (the cap), rate 3e-3 x sqrt(8)
    public void SmallSetsGetSmallerBatchesForEnoughStepsAnEpoch(int rows, int batch, double lr)
    {
        var d = FileDataDefaults.For(10, rows, 0);
        Assert.Equal(batch, d.BatchSize);
        Assert.Equal(lr, d.LearningRate, 4);
        int trainRows = (int)(0.7 * rows);
        Assert.True(trainRows / d.BatchSize >= FileDataDefaults.MinStepsPerEpoch || d.BatchSize == FileDataDefaults.MinBatch);
    }

    [Fact]
    public void PatienceIsLongerOnSmallSets()
    {
        Assert.Equal(30, FileDataDefaults.For(10, 1000, 2).Patience);
        Assert.Equal(20, FileDataDefaults.For(10, 20000, 26).Patience);
    }

    [Fact]
    public void MoreClassesGetMoreLatentDimensions()
    {
        Assert.True(FileDataDefaults.For(16, 20000, 26).Latent > FileDataDefaults.For(16, 20000, 2).Latent);
        Assert.Throws<ArgumentOutOfRangeException>(() => FileDataDefaults.For(0, 10, 2));
    }
}
