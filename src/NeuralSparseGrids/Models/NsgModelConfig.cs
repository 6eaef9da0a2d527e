using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Models;

/// <summary>Regression (MSE on the outputs) or classification (softmax over class logits, cross-entropy).</summary>
public enum NsgTask
{
    /// <summary>Predict real-valued outputs.</summary>
    Regression,
    /// <summary>Predict one of <see cref="NsgModelConfig.Outputs"/> classes.</summary>
    Classification,
}

/// <summary>The encoder family.</summary>
public enum EncoderKind
{
    /// <summary>Multilayer perceptron on feature vectors.</summary>
    Mlp,
    /// <summary>Residual CNN on 1-channel images.</summary>
    Cnn,
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
/// Everything needed to rebuild a Neural Sparse Grid model (stored in checkpoints as JSON).
/// </summary>
public sealed record NsgModelConfig
{
    /// <summary>Regression or classification.</summary>
    public NsgTask Task { get; init; } = NsgTask.Regression;

    /// <summary>Memory budget of the sparse grid in bytes (null: <see cref="GridSize.DefaultMaxBytes"/>); a larger grid is refused before allocating.</summary>
    public long? MaxGridBytes { get; init; }

    /// <summary>Number of input features D (for CNNs: pixels, ImageSize^2).</summary>
    public int Inputs { get; init; } = 3;

    /// <summary>Encoder family.</summary>
    public EncoderKind Encoder { get; init; } = EncoderKind.Mlp;

    /// <summary>MLP hidden layer widths, e.g. [25, 25] for the thesis' 3-25-25-2 encoder.</summary>
    public int[] HiddenLayers { get; init; } = [25, 25];

    /// <summary>MLP hidden activation.</summary>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>CNN channel width of the first stage.</summary>
    public int CnnWidth { get; init; } = CnnEncoder.DefaultWidth;

    /// <summary>Side length of square 1-channel images for CNN encoders.</summary>
    public int ImageSize { get; init; } = 28;

    /// <summary>Latent (sparse grid) dimension d.</summary>
    public int Latent { get; init; } = 2;

    /// <summary>Sparse grid level n.</summary>
    public int Level { get; init; } = 6;

    /// <summary>
    /// Optional maximum level per latent dimension (anisotropic grid, <see cref="SparseGrid.CreateAnisotropic"/>;
    /// length <see cref="Latent"/>); null (default) uses the regular grid of <see cref="Level"/>.
    /// </summary>
    public int[]? Levels { get; init; }

    /// <summary>
    /// The grid's subspaces as level vectors (each of length <see cref="Latent"/>, a downward-closed set, in point
    /// order) when training adapted the grid (<see cref="Training.AdaptivityOptions"/>); null (default): the grid of
    /// <see cref="Level"/> / <see cref="Levels"/>, which then only describe where the adaptation started. Saved in
    /// checkpoints so a model reloads with the adapted grid.
    /// </summary>
    public int[][]? Subspaces { get; init; }

    /// <summary>Sparse grid type.</summary>
    public GridType Grid { get; init; } = GridType.Linear;

    /// <summary>Rescaling into [0,1]^d (parsed from the CLI spelling at the edge, <see cref="Rescaling.Parse"/>).</summary>
    public Rescaling Rescale { get; init; } = Rescaling.Sigmoid;

    /// <summary>Sparse grid layer (default) or its equal-parameter dense replacement.</summary>
    public HeadKind Head { get; init; } = HeadKind.SparseGrid;

    /// <summary>
    /// Initial sparse grid coefficients: small seeded normal values (default; u and du/dh are non-zero from the first
    /// step) or zeros (the thesis' setting, under which untreated boundaries can leave the loss stuck, 3.4.3).
    /// </summary>
    public Layers.CoefficientInit CoefficientInit { get; init; } = Layers.CoefficientInit.SmallNormal;

    /// <summary>
    /// MLP encoders: factor applied to the last Linear layer's initial weights and bias (1: TorchSharp's default
    /// initialisation). With the default the initial embeddings sit in a small patch around the centre of the box
    /// (thesis 3.5.2); a larger gain spreads them over more grid cells from the start.
    /// </summary>
    public double LatentInitGain { get; init; } = 1;

    /// <summary>Regression outputs, or number of classes.</summary>
    public int Outputs { get; init; } = 1;

    /// <summary>
    /// The sparse grid this configuration describes: the adapted <see cref="Subspaces"/> when set, else the regular
    /// grid of <see cref="Level"/> or the anisotropic one of <see cref="Levels"/> (size-checked against
    /// <see cref="MaxGridBytes"/> for <see cref="Outputs"/> columns).
    /// </summary>
    public SparseGrid CreateGrid() => Subspaces is not null
        ? SparseGrid.FromDownwardClosedSubspaces(Latent, Grid, Subspaces, Outputs, MaxGridBytes)
        : SparseGrid.CreateForLevels(Latent, Level, Levels, Grid, Outputs, MaxGridBytes);

    /// <summary>
    /// True when <paramref name="other"/> builds the same model up to the adapted grid (<see cref="Subspaces"/>), with
    /// the array settings compared by value.
    /// </summary>
    public bool SameModelAs(NsgModelConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { HiddenLayers = [], Levels = null, Subspaces = null } == other with { HiddenLayers = [], Levels = null, Subspaces = null }
               && HiddenLayers.SequenceEqual(other.HiddenLayers)
               && (Levels ?? []).SequenceEqual(other.Levels ?? []) && (Levels is null) == (other.Levels is null);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (Inputs < 1) throw new ArgumentException($"Inputs must be at least 1 (got {Inputs}).");
        if (Latent < 1) throw new ArgumentException($"Latent dimension must be at least 1 (got {Latent}).");
        if (Level < 1) throw new ArgumentException($"Grid level must be at least 1 (got {Level}).");
        if (Levels is not null && (Levels.Length != Latent || Levels.Any(l => l < 1 || l > 30)))
            throw new ArgumentException($"Levels must give one level in 1..30 per latent dimension ({Latent}), got {string.Join(",", Levels)}.");
        if (Subspaces is not null && (Subspaces.Length == 0 || Subspaces.Any(l => l is null || l.Length != Latent)))
            throw new ArgumentException($"Subspaces must be a non-empty list of level vectors with one level per latent dimension ({Latent}).");
        if (!(LatentInitGain > 0) || double.IsInfinity(LatentInitGain))
            throw new ArgumentException($"LatentInitGain must be a finite number > 0 (got {LatentInitGain}).");
        if (Outputs < 1) throw new ArgumentException($"Outputs must be at least 1 (got {Outputs}).");
        if (Task == NsgTask.Classification && Outputs < 2) throw new ArgumentException($"Classification needs at least 2 classes (got {Outputs}).");
        if (HiddenLayers.Any(h => h < 1)) throw new ArgumentException($"Hidden layer widths must be positive (got {string.Join(",", HiddenLayers)}).");
        if (Encoder == EncoderKind.Cnn && Inputs != ImageSize * ImageSize)
            throw new ArgumentException($"A CNN encoder on {ImageSize}x{ImageSize} images needs {ImageSize * ImageSize} inputs (got {Inputs}).");
        if (Rescale.Kind == RescaleKind.Margin && !(Rescale.MarginWidth >= 0 && Rescale.MarginWidth < 0.5))
            throw new ArgumentException($"The rescaling margin must be in [0, 0.5) (got {Rescale.MarginWidth}).");
    }
}
