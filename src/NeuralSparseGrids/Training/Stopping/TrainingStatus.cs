namespace NeuralSparseGrids.Training;

/// <summary>Where a training run stands, as decided by its <see cref="IStopCriterion"/>s.</summary>
public enum TrainingStatus
{
    /// <summary>No criterion asks to stop.</summary>
    Running,
    /// <summary>The configured number of epochs is done (<see cref="MaxEpochs"/>).</summary>
    Completed,
    /// <summary>The validation loss did not improve for the patience (<see cref="ValidationPatience"/>).</summary>
    EarlyStopped,
    /// <summary>A loss or a parameter became NaN/Inf (<see cref="NonFiniteDivergence"/>); the last good parameters are restored.</summary>
    Diverged,
    /// <summary>A loss burst never came back down (<see cref="LossBurstCriterion"/>); the last good parameters are restored.</summary>
    BurstUnrecovered,
}

/// <summary>A criterion's verdict: a status and, when stopping, why (for people: logs, result.json).</summary>
/// <param name="Status">The status.</param>
/// <param name="Reason">What happened, e.g. "batch loss is NaN in epoch 3, batch 7"; null while running.</param>
public readonly record struct StopDecision(TrainingStatus Status, string? Reason = null)
{
    /// <summary>Keep going.</summary>
    public static StopDecision Continue => default;

    /// <summary>True unless the status is <see cref="TrainingStatus.Running"/>.</summary>
    public bool Stops => Status != TrainingStatus.Running;

    /// <summary>True for the statuses after which the parameters of the last good epoch are restored.</summary>
    public bool IsDivergence => Status is TrainingStatus.Diverged or TrainingStatus.BurstUnrecovered;
}

/// <summary>What a criterion sees after a batch: its loss before the optimizer step, where it sits in the epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches per epoch.</param>
/// <param name="Loss">The batch loss.</param>
public readonly record struct BatchProgress(int Epoch, int Batch, int BatchesPerEpoch, double Loss);

/// <summary>What a criterion sees after an epoch (before it enters the history).</summary>
/// <param name="Epoch">1-based epoch just finished.</param>
/// <param name="ValidationLoss">Loss on the validation split (the training split without one); NaN if not evaluated.</param>
/// <param name="ParametersFinite">False if some parameter is NaN/Inf.</param>
/// <param name="EpochsSinceBest">Epochs since the best selection score, counting this one (0: this epoch is the best).</param>
/// <param name="EvaluatedOn">Name of the split the loss is from ("validation" or "training"), for messages.</param>
/// <param name="TrainLoss">The epoch's mean batch loss on the training split; NaN if not known.</param>
public readonly record struct EpochProgress(int Epoch, double ValidationLoss, bool ParametersFinite, int EpochsSinceBest, string EvaluatedOn = "validation",
    double TrainLoss = double.NaN);
