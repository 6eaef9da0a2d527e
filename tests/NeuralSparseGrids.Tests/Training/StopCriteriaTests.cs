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

    [Fact]
    public void ARecoveredBurstIsCountedAndAnUnrecoveredOneStops()
    {
        var c = new LossBurstCriterion(factor: 10, epochsToRecover: 1);
        int batches = 20;
        for (int b = 1; b <= 15; b++) Assert.False(c.AfterBatch(new BatchProgress(1, b, batches, 1.0)).Stops);
        Assert.False(c.AfterBatch(new BatchProgress(1, 16, batches, 50)).Stops); // burst starts
        Assert.False(c.AfterBatch(new BatchProgress(1, 17, batches, 1.5)).Stops); // back within 2x the median
        Assert.Equal(1, c.Detector.Bursts);
        StopDecision d = default;
        for (int b = 1; b <= batches + 1 && !d.Stops; b++) d = c.AfterBatch(new BatchProgress(2, b, batches, 100));
        Assert.Equal(TrainingStatus.BurstUnrecovered, d.Status);
        Assert.True(d.IsDivergence);
        Assert.Contains("did not recover within 20 batches", d.Reason);
    }

    [Fact]
    public void ABurstFromANearPerfectFitHasRecoveredOnceTheLossIsBackBelowTheStartFloor()
    {
        // Cross-entropy from 0.7 down to 1e-5, a spike to 0.05 (a burst: 5000 x the median and above 1% of 0.7),
        // then a settled 1.2e-3: 120 x the median before the spike, but below the floor of 0.007 under which no
        // jump counts as a burst, so the burst is over and training goes on.
        var c = new LossBurstCriterion(factor: 10, epochsToRecover: 1);
        int batches = 20, batch = 0;
        foreach (double loss in new[] { 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001 })
            Assert.False(c.AfterBatch(new BatchProgress(1, ++batch, batches, loss)).Stops);
        for (int b = 0; b < 40; b++) Assert.False(c.AfterBatch(new BatchProgress(2, b + 1, batches, 1e-5)).Stops);
        Assert.False(c.AfterBatch(new BatchProgress(3, 1, batches, 0.05)).Stops);
        Assert.True(c.Detector.InBurst);
        for (int b = 2; b <= 3 * batches; b++) Assert.False(c.AfterBatch(new BatchProgress(3 + b / batches, b % batches + 1, batches, 1.2e-3)).Stops);
        Assert.False(c.Detector.InBurst);
        Assert.Equal(1, c.Detector.Bursts);
        // The same settled level without the floor (a run that started at 1e-3) stays a burst and stops.
        var strict = new LossBurstCriterion(factor: 10, epochsToRecover: 1);
        StopDecision d = default;
        for (int b = 0; b < 20; b++) strict.AfterBatch(new BatchProgress(1, b + 1, batches, 1e-3 / (1 + b)));
        for (int b = 0; b < 40; b++) strict.AfterBatch(new BatchProgress(2, b % batches + 1, batches, 1e-5));
        strict.AfterBatch(new BatchProgress(4, 1, batches, 0.05));
        for (int b = 0; b <= batches + 1 && !d.Stops; b++) d = strict.AfterBatch(new BatchProgress(4, b % batches + 1, batches, 1.2e-3));
        Assert.Equal(TrainingStatus.BurstUnrecovered, d.Status);
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
