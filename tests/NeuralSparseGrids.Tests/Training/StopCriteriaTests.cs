using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

public class StopCriteriaTests
{
    private static EpochProgress Epoch(int epoch, double loss = 0.5, bool finite = true, int sinceBest = 0) => new(epoch, loss, finite, sinceBest);

    [Fact]
    public void MaxEpochsCompletesAtTheCount()
    {
        var c = new MaxEpochs(3);
        Assert.Equal(TrainingStatus.Running, c.AfterEpoch(Epoch(2)).Status);
        Assert.Equal(TrainingStatus.Completed, c.AfterEpoch(Epoch(3)).Status);
        Assert.Equal(TrainingStatus.Running, ((IStopCriterion)c).AfterBatch(new BatchProgress(3, 1, 4, 0.1)).Status);
    }

    [Fact]
    public void PatienceStopsAfterThatManyEpochsWithoutANewBest()
    {
        var c = new ValidationPatience(2);
        Assert.False(c.AfterEpoch(Epoch(5, sinceBest: 0)).Stops);
        Assert.False(c.AfterEpoch(Epoch(6, sinceBest: 1)).Stops);
        var d = c.AfterEpoch(Epoch(7, sinceBest: 2));
        Assert.Equal(TrainingStatus.EarlyStopped, d.Status);
        Assert.Contains("after epoch 5", d.Reason);
        Assert.False(d.IsDivergence);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NonFiniteBatchLossIsDivergence(double loss)
    {
        var c = new NonFiniteDivergence();
        Assert.False(c.AfterBatch(new BatchProgress(1, 1, 10, 0.3)).Stops);
        var d = c.AfterBatch(new BatchProgress(2, 7, 10, loss));
        Assert.Equal(TrainingStatus.Diverged, d.Status);
        Assert.Equal($"batch loss is {loss} in epoch 2, batch 7", d.Reason);
        Assert.True(d.IsDivergence);
    }

    [Fact]
    public void NonFiniteParametersOrValidationLossAreDivergence()
    {
        var c = new NonFiniteDivergence();
        Assert.False(c.AfterEpoch(Epoch(1)).Stops);
        Assert.Equal("parameters became NaN/Inf in epoch 4", c.AfterEpoch(Epoch(4, double.NaN, finite: false)).Reason);
        var d = c.AfterEpoch(Epoch(4, double.NaN));
        Assert.Equal(TrainingStatus.Diverged, d.Status);
        Assert.Equal("validation loss is NaN after epoch 4", d.Reason);
    }

    private static EpochProgress Trained(int epoch, double trainLoss) => new(epoch, 0.5, true, 0, TrainLoss: trainLoss);

    [Fact]
    public void ARecoveredBurstIsCountedAndAnUnrecoveredOneStops()
    {
        var c = new LossBurstCriterion(factor: 10, epochsToRecover: 2);
        int epoch = 0;
        for (int e = 0; e < 8; e++) Assert.False(c.AfterEpoch(Trained(++epoch, 1.0)).Stops);
        Assert.False(c.AfterEpoch(Trained(++epoch, 50)).Stops); // burst starts (epoch 9)
        Assert.True(c.Detector.InBurst);
        Assert.False(c.AfterEpoch(Trained(++epoch, 1.5)).Stops); // back within 2x the median
        Assert.Equal(1, c.Detector.Bursts);
        Assert.False(c.AfterEpoch(Trained(++epoch, 100)).Stops); // epoch 11
        Assert.False(c.AfterEpoch(Trained(++epoch, 100)).Stops);
        var d = c.AfterEpoch(Trained(++epoch, 100));
        Assert.Equal(TrainingStatus.BurstUnrecovered, d.Status);
        Assert.True(d.IsDivergence);
        Assert.Equal("loss burst from epoch 11: the training loss stayed above 10 (the burst's level) for more than 2 epochs (now 100)", d.Reason);
        // Batch losses, however spiky, are not looked at.
        Assert.False(((IStopCriterion)new LossBurstCriterion()).AfterBatch(new BatchProgress(1, 1, 10, 1e9)).Stops);
    }

    [Fact]
    public void NearAPerfectFitOnlyJumpsAboveTheFloorCountAndRecoveryIsToTheFloor()
    {
        // Cross-entropy from 0.7 down to 1e-5; the floor is 1% of 0.7 = 0.007. An epoch at 0.05 is 5000 x the
        // median but under 10 x the floor: no burst. A jump to 0.5 is one; settling at 1.2e-3 (120 x the median
        // before it, but under twice the floor) is its recovery, so training goes on.
        var c = new LossBurstCriterion(factor: 10, epochsToRecover: 2);
        int epoch = 0;
        void Feed(int count, double loss)
        {
            for (int e = 0; e < count; e++) Assert.False(c.AfterEpoch(Trained(++epoch, loss)).Stops);
        }
        foreach (double loss in new[] { 0.7, 0.3, 0.1, 0.01, 0.001 }) Feed(1, loss);
        Feed(10, 1e-5);
        Feed(1, 0.05);
        Assert.False(c.Detector.InBurst);
        Feed(1, 0.5);
        Assert.True(c.Detector.InBurst);
        Feed(12, 1.2e-3);
        Assert.False(c.Detector.InBurst);
        Assert.Equal(1, c.Detector.Bursts);
        // Staying at the burst's level (above 10 x the floor) stops training after 2 epochs.
        Feed(1, 0.5);
        Feed(1, 0.2);
        Assert.Equal(TrainingStatus.BurstUnrecovered, c.AfterEpoch(Trained(++epoch, 0.1)).Status);
    }

    [Fact]
    public void ABurstThatComesDownSlowlyIsCountedNotStopped()
    {
        // The swiss roll ILS run at lr 3e-3 (seed 2): 20x the level before it, then 5.4x, 3.4x, 2.8x, 2.4x, 1.8x.
        // Below the burst's level (10x) it is recovering: no stop; back within 2x it counts as one burst.
        var c = new LossBurstCriterion(factor: 10, epochsToRecover: 2);
        int epoch = 0;
        foreach (double loss in new[] { 0.1, 0.01, 0.002, 0.0015, 0.0013, 0.0013, 0.0013, 0.0013, 0.0013, 0.0013, 0.026, 0.007, 0.0044, 0.0037, 0.0031 })
            Assert.False(c.AfterEpoch(Trained(++epoch, loss)).Stops);
        Assert.True(c.Detector.InBurst);
        Assert.False(c.AfterEpoch(Trained(++epoch, 0.0024)).Stops);
        Assert.False(c.Detector.InBurst);
        Assert.Equal(1, c.Detector.Bursts);
    }

    [Fact]
    public void ComposedCriteriaAnswerWithTheFirstThatStops()
    {
        var criteria = new StopCriteria([new NonFiniteDivergence(), new MaxEpochs(3), new ValidationPatience(1)]);
        Assert.False(criteria.AfterEpoch(Epoch(1)).Stops);
        // Epoch 3 with a NaN validation loss: divergence is asked first and wins over the epoch count.
        Assert.Equal(TrainingStatus.Diverged, criteria.AfterEpoch(Epoch(3, double.NaN)).Status);
        Assert.Equal(TrainingStatus.Completed, criteria.AfterEpoch(Epoch(3, sinceBest: 1)).Status);
        Assert.Equal(TrainingStatus.EarlyStopped, criteria.AfterEpoch(Epoch(2, sinceBest: 1)).Status);
        Assert.Equal(TrainingStatus.Diverged, criteria.AfterBatch(new BatchProgress(1, 1, 5, double.NaN)).Status);
    }

    [Fact]
    public void TheOptionsBuildPatienceOnlyWhenAsked()
    {
        var plain = StopCriteria.For(new TrainingOptions { Epochs = 7 });
        Assert.DoesNotContain(plain.Criteria, c => c is ValidationPatience);
        Assert.Contains(plain.Criteria, c => c is MaxEpochs { Epochs: 7 });
        Assert.NotNull(plain.Bursts);
        var patient = StopCriteria.For(new TrainingOptions { EarlyStoppingPatience = 4 });
        Assert.Contains(patient.Criteria, c => c is ValidationPatience { Patience: 4 });
    }
}
