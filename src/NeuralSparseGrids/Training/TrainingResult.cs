namespace NeuralSparseGrids.Training;

/// <summary>Outcome of <see cref="NsgTrainer.Fit"/>.</summary>
public sealed record TrainingResult
{
    /// <summary>Per-epoch history (including epochs before a resume).</summary>
    public required IReadOnlyList<EpochReport> History { get; init; }

    /// <summary>Epoch whose parameters the model holds at the end (the best validation epoch when restored).</summary>
    public int BestEpoch { get; init; }

    /// <summary>Validation loss of <see cref="BestEpoch"/>.</summary>
    public double BestValidationLoss { get; init; } = double.NaN;

    /// <summary>Epochs completed.</summary>
    public int EpochsCompleted { get; init; }

    /// <summary>Why the run ended (the first stop criterion that fired).</summary>
    public TrainingStatus Status { get; init; }

    /// <summary>The deciding criterion's explanation, e.g. "batch loss is NaN in epoch 3, batch 7".</summary>
    public string? StopReason { get; init; }

    /// <summary>True if early stopping ended the run.</summary>
    public bool StoppedEarly => Status == TrainingStatus.EarlyStopped;

    /// <summary>True if the run diverged (NaN/Inf loss or parameters, or a burst that never recovered); the model holds the last good parameters.</summary>
    public bool Diverged => Status is TrainingStatus.Diverged or TrainingStatus.BurstUnrecovered;

    /// <summary>Loss bursts counted over the whole run.</summary>
    public int Bursts { get; init; }

    /// <summary>The divergence message when <see cref="Diverged"/>, else null.</summary>
    public string? Divergence => Diverged ? StopReason : null;

    /// <summary>Grid adaptation steps (empty without adaptivity).</summary>
    public IReadOnlyList<GridRefinement> Refinements { get; init; } = [];

    /// <summary>Training wall time in seconds (this process only).</summary>
    public double Seconds { get; init; }
}
