using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Models;

/// <summary>Regression (MSE on the outputs) or classification (softmax over class logits, cross-entropy).</summary>
public enum NsgTask
{
    /// <summary>Predict real-valued outputs.</summary>
    Regression,
    /// <summary>Predict one of <see cref="NsgModelConfig.Outputs"/> classes.</summary>
    Classification,
}

/// <summary>What follows the encoder and rescaling.</summary>
public enum HeadKind
{
    /// <summary>A sparse grid layer (the Neural Sparse Grid).</summary>
    SparseGrid,
    /// <summary>
    /// The dense replacement with the same parameter count (<see cref="EqualParameterHead"/>, thesis Sec. 3.5.3, Eq. 3.27):
    /// the "ANN" row of Table 3.15. Trainable with the gradient method only.
    /// </summary>
    Dense,
}

/// <summary>
/// Everything needed to rebuild a Neural Sparse Grid model (stored in checkpoints, model files and run results as
/// JSON), grouped by concern: the model's shape (<see cref="Task"/>, <see cref="Inputs"/>, <see cref="Outputs"/>,
/// <see cref="Latent"/>, <see cref="Head"/>), the <see cref="Encoder"/> (MLP or CNN), the <see cref="Rescale"/> into
/// the box and the sparse <see cref="Grid"/>. Every default lives on the property (or in the part's record) that holds it.
/// JSON written before the split (one flat object) still loads (<see cref="NsgModelConfigJsonConverter"/>).
/// </summary>
[JsonConverter(typeof(NsgModelConfigJsonConverter))]
public sealed record NsgModelConfig
{
    /// <summary>Regression or classification.</summary>
    public NsgTask Task { get; init; } = NsgTask.Regression;

    /// <summary>Number of input features D (for CNNs: pixels, <see cref="CnnEncoderConfig.ImageSize"/>^2).</summary>
    public int Inputs { get; init; } = 3;

    /// <summary>Regression outputs, or number of classes.</summary>
    public int Outputs { get; init; } = 1;

    /// <summary>Latent (sparse grid) dimension d.</summary>
    public int Latent { get; init; } = 2;

    /// <summary>Sparse grid layer (default) or its equal-parameter dense replacement.</summary>
    public HeadKind Head { get; init; } = HeadKind.SparseGrid;

    /// <summary>The encoder: <see cref="MlpEncoderConfig"/> (default, 25-25 hidden ReLU) or <see cref="CnnEncoderConfig"/>.</summary>
    public EncoderConfig Encoder { get; init; } = new MlpEncoderConfig();

    /// <summary>Rescaling of encoder outputs into [0,1]^d (parsed from the CLI spelling at the edge, <see cref="Rescaling.Parse"/>).</summary>
    public Rescaling Rescale { get; init; } = Rescaling.Sigmoid;

    /// <summary>The sparse grid: type, level(s), initial coefficients, memory budget.</summary>
    public GridConfig Grid { get; init; } = new();

    /// <summary>
    /// The sparse grid this configuration describes: the adapted <see cref="GridConfig.Subspaces"/> (with
    /// <see cref="GridConfig.SubspacePoints"/>, a spatially adaptive grid) when set, else the
    /// regular grid of <see cref="GridConfig.Level"/> or the anisotropic one of <see cref="GridConfig.Levels"/>
    /// (size-checked against <see cref="GridConfig.MaxBytes"/> for <see cref="Outputs"/> columns).
    /// </summary>
    public Grids.SparseGrid CreateGrid() => Grid.Subspaces switch
    {
        int[][] subspaces when Grid.SubspacePoints is { } points => Grids.SparseGrid.FromPointSets(Latent, Grid.Type, subspaces, points, Outputs, Grid.MaxBytes),
        int[][] subspaces => Grids.SparseGrid.FromDownwardClosedSubspaces(Latent, Grid.Type, subspaces, Outputs, Grid.MaxBytes),
        _ => Grids.SparseGrid.CreateForLevels(Latent, Grid.Level, Grid.Levels, Grid.Type, Outputs, Grid.MaxBytes),
    };

    /// <summary>True when <paramref name="other"/> builds the same model up to the adapted grid (<see cref="GridConfig.Subspaces"/>).</summary>
    public bool SameModelAs(NsgModelConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Grid = Grid with { Subspaces = null, SubspacePoints = null } } == other with { Grid = other.Grid with { Subspaces = null, SubspacePoints = null } };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (Inputs < 1) throw new ArgumentException($"Inputs must be at least 1 (got {Inputs}).");
        if (Latent < 1) throw new ArgumentException($"Latent dimension must be at least 1 (got {Latent}).");
        Grid.Validate(Latent);
        if (Outputs < 1) throw new ArgumentException($"Outputs must be at least 1 (got {Outputs}).");
        if (Task == NsgTask.Classification && Outputs < 2) throw new ArgumentException($"Classification needs at least 2 classes (got {Outputs}).");
        Encoder.Validate(Inputs);
        if (Rescale.Kind == RescaleKind.Margin && !(Rescale.MarginWidth >= 0 && Rescale.MarginWidth < 0.5))
            throw new ArgumentException($"The rescaling margin must be in [0, 0.5) (got {Rescale.MarginWidth}).");
    }
}
