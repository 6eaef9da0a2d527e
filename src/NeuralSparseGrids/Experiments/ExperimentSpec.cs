using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments;

/// <summary>One complete experiment: data, split, model and training. Used by `nsg train`, `nsg demo` and `nsg reproduce`.</summary>
public sealed record ExperimentSpec
{
    /// <summary>Data source.</summary>
    public required DataSpec Data { get; init; }

    /// <summary>Model (its Inputs/Outputs/Task are filled in from the data by <see cref="ExperimentRunner"/>).</summary>
    public NsgModelConfig Model { get; init; } = new();

    /// <summary>Training options.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Split fractions (train, validation, test); the thesis uses 0.6/0.2/0.2 for regression, 0.7/0.15/0.15 for two moons.</summary>
    public (double Train, double Validation, double Test) Split { get; init; } = (0.6, 0.2, 0.2);

    /// <summary>
    /// The MLP input width the user wrote (e.g. the 7 of `--encoder 7,25`), or null. The true width comes from the
    /// data; a different number here is reported, not silently ignored.
    /// </summary>
    public int? DeclaredInputs { get; init; }

    /// <summary>Seed of data generation and splitting (model and batches use <see cref="TrainingOptions.Seed"/>).</summary>
    public int DataSeed { get; init; } = 1;

    /// <summary>Classification: also fit a density head on the trained encoder's embeddings (`--head density`); null: none.</summary>
    public DensityHeadOptions? DensityHead { get; init; }
}
