using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Training;

/// <summary>The JSON part of a checkpoint: everything besides tensors needed to resume or to use the model.</summary>
public sealed record TrainerState
{
    /// <summary>Format version of the checkpoint directory.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>Model configuration.</summary>
    public required NsgModelConfig Model { get; init; }

    /// <summary>Training options.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; init; }

    /// <summary>History so far.</summary>
    public List<EpochReport> History { get; init; } = [];

    /// <summary>Best validation epoch so far (0: none).</summary>
    public int BestEpoch { get; init; }

    /// <summary>Best validation loss so far.</summary>
    public double BestValidationLoss { get; init; } = double.PositiveInfinity;

    /// <summary>Grid adaptation steps so far (the adapted grid itself is <see cref="GridConfig.Subspaces"/> of <see cref="Model"/>).</summary>
    public List<GridRefinement> Refinements { get; init; } = [];

    /// <summary>Bursts so far.</summary>
    public int Bursts { get; init; }

    /// <summary>Data scaling and other caller metadata (stored verbatim).</summary>
    public Dictionary<string, System.Text.Json.JsonElement> Metadata { get; init; } = [];
}
