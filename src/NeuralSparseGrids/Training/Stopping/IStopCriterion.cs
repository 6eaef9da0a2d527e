namespace NeuralSparseGrids.Training;

/// <summary>
/// One reason to stop training, in the spirit of Math.NET's iterative-solver stop criteria: small objects that look at
/// the progress and answer with a <see cref="StopDecision"/>; <see cref="StopCriteria"/> composes them (first stop wins).
/// </summary>
public interface IStopCriterion
{
    /// <summary>Called after each batch's loss is known, before the optimizer step.</summary>
    StopDecision AfterBatch(in BatchProgress progress) => StopDecision.Continue;

    /// <summary>Called after each epoch's validation.</summary>
    StopDecision AfterEpoch(in EpochProgress progress) => StopDecision.Continue;
}

/// <summary>Stops with <see cref="TrainingStatus.Completed"/> once <paramref name="Epochs"/> epochs are done.</summary>
/// <param name="Epochs">Epochs to train (at least 1).</param>
public sealed record MaxEpochs(int Epochs) : IStopCriterion
{
    /// <inheritdoc />
    public StopDecision AfterEpoch(in EpochProgress progress) =>
        progress.Epoch >= Epochs ? new(TrainingStatus.Completed, $"reached {Epochs} epochs") : StopDecision.Continue;
}

/// <summary>Early stopping: <see cref="TrainingStatus.EarlyStopped"/> after <paramref name="Patience"/> epochs without a new best.</summary>
/// <param name="Patience">Epochs without improvement to tolerate (at least 1).</param>
public sealed record ValidationPatience(int Patience) : IStopCriterion
{
    /// <inheritdoc />
    public StopDecision AfterEpoch(in EpochProgress progress) =>
        progress.EpochsSinceBest >= Patience
            ? new(TrainingStatus.EarlyStopped, $"no improvement for {Patience} epochs after epoch {progress.Epoch - Patience}")
            : StopDecision.Continue;
}

/// <summary><see cref="TrainingStatus.Diverged"/> when a batch loss, the validation loss or a parameter is NaN/Inf.</summary>
public sealed class NonFiniteDivergence : IStopCriterion
{
    /// <inheritdoc />
    public StopDecision AfterBatch(in BatchProgress progress) =>
        double.IsFinite(progress.Loss)
            ? StopDecision.Continue
            : new(TrainingStatus.Diverged, $"batch loss is {progress.Loss} in epoch {progress.Epoch}, batch {progress.Batch}");

    /// <inheritdoc />
    public StopDecision AfterEpoch(in EpochProgress progress)
    {
        if (!progress.ParametersFinite) return new(TrainingStatus.Diverged, $"parameters became NaN/Inf in epoch {progress.Epoch}");
        if (!double.IsFinite(progress.ValidationLoss))
            return new(TrainingStatus.Diverged, $"{progress.EvaluatedOn} loss is {progress.ValidationLoss} after epoch {progress.Epoch}");
        return StopDecision.Continue;
    }
}

/// <summary>
/// Counts loss bursts (thesis 3.5.1: "the loss increases much (usually over 10 times) within several epochs and then
/// drops to a normal value") with a <see cref="LossBurstDetector"/> fed each epoch's mean training loss, and stops with
/// <see cref="TrainingStatus.BurstUnrecovered"/> when the training loss stays at the burst's level (above
/// <see cref="LossBurstDetector.BurstLevel"/>) for more than <paramref name="epochsToRecover"/> epochs in a row. A burst
/// that has come down below that level but not yet to within twice the loss before it is recovering, not diverging
/// (swiss roll, ILS at lr 3e-3: 20x at epoch 58, then 5.4x, 3.4x, 2.8x, 2.4x ... of the level before), so it goes on
/// and is counted once it is back.
/// Epoch means, not batch losses: a classifier's batch losses near a perfect fit jump a thousand-fold whenever a batch
/// holds one borderline point (two moons: hundreds of such "bursts" per run), which is noise, not the phenomenon.
/// </summary>
/// <param name="factor">An epoch loss this many times the median of the recent epochs starts a burst.</param>
/// <param name="epochsToRecover">Epochs in a row the loss may stay at the burst's level.</param>
public sealed class LossBurstCriterion(double factor = 10, int epochsToRecover = 5) : IStopCriterion
{
    /// <summary>The detector, over epoch losses with a window of 10 epochs (its count survives a resume through <see cref="LossBurstDetector.Restore"/>).</summary>
    public LossBurstDetector Detector { get; } = new(factor, window: 10);

    private int _epochsAtBurstLevel;

    /// <inheritdoc />
    public StopDecision AfterEpoch(in EpochProgress progress)
    {
        if (!double.IsFinite(progress.TrainLoss)) return StopDecision.Continue;
        Detector.Observe(progress.TrainLoss);
        _epochsAtBurstLevel = Detector.InBurst && progress.TrainLoss > Detector.BurstLevel ? _epochsAtBurstLevel + 1 : 0;
        return _epochsAtBurstLevel > epochsToRecover
            ? new(TrainingStatus.BurstUnrecovered,
                $"loss burst from epoch {progress.Epoch - Detector.BurstLength + 1}: the training loss stayed above {Detector.BurstLevel:G3} " +
                $"(the burst's level) for more than {epochsToRecover} epochs (now {progress.TrainLoss:G4})")
            : StopDecision.Continue;
    }
}

/// <summary>Several criteria as one: asks each in order and returns the first decision that stops.</summary>
public sealed class StopCriteria(IEnumerable<IStopCriterion> criteria) : IStopCriterion
{
    /// <summary>The criteria, in the order they are asked.</summary>
    public IReadOnlyList<IStopCriterion> Criteria { get; } = criteria.ToList();

    /// <summary>The criteria of <see cref="TrainingOptions"/>: NaN/Inf divergence, unrecovered bursts, max epochs, patience (when &gt; 0).</summary>
    public static StopCriteria For(TrainingOptions options)
    {
        var list = new List<IStopCriterion> { new NonFiniteDivergence(), new LossBurstCriterion(options.BurstFactor), new MaxEpochs(options.Epochs) };
        if (options.EarlyStoppingPatience > 0) list.Add(new ValidationPatience(options.EarlyStoppingPatience));
        return new StopCriteria(list);
    }

    /// <summary>The burst detector of the first <see cref="LossBurstCriterion"/>, if any.</summary>
    public LossBurstDetector? Bursts => Criteria.OfType<LossBurstCriterion>().FirstOrDefault()?.Detector;

    /// <inheritdoc />
    public StopDecision AfterBatch(in BatchProgress progress)
    {
        foreach (var c in Criteria)
        {
            var d = c.AfterBatch(progress);
            if (d.Stops) return d;
        }
        return StopDecision.Continue;
    }

    /// <inheritdoc />
    public StopDecision AfterEpoch(in EpochProgress progress)
    {
        foreach (var c in Criteria)
        {
            var d = c.AfterEpoch(progress);
            if (d.Stops) return d;
        }
        return StopDecision.Continue;
    }
}
