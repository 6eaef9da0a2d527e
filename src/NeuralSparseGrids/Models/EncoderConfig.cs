using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Models;

/// <summary>The encoder family.</summary>
public enum EncoderKind
{
    /// <summary>Multilayer perceptron on feature vectors.</summary>
    Mlp,
    /// <summary>Residual CNN on 1-channel images.</summary>
    Cnn,
}

/// <summary>
/// The encoder part of a <see cref="NsgModelConfig"/>: an MLP (<see cref="MlpEncoderConfig"/>) or a CNN
/// (<see cref="CnnEncoderConfig"/>), each holding only its own settings. A closed hierarchy: match on the two records.
/// JSON: an object whose first property <c>"kind"</c> is <c>"mlp"</c> or <c>"cnn"</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(MlpEncoderConfig), "mlp")]
[JsonDerivedType(typeof(CnnEncoderConfig), "cnn")]
public abstract record EncoderConfig
{
    private protected EncoderConfig() { }

    /// <summary>Which family this is (the JSON discriminator carries it, so it is not written twice).</summary>
    [JsonIgnore]
    public abstract EncoderKind Kind { get; }

    /// <summary>The default settings of <paramref name="kind"/>.</summary>
    public static EncoderConfig Default(EncoderKind kind) => kind == EncoderKind.Cnn ? new CnnEncoderConfig() : new MlpEncoderConfig();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting inconsistent with <paramref name="inputs"/> features.</summary>
    public abstract void Validate(int inputs);
}

/// <summary>A multilayer perceptron encoder: (batch, inputs) -> hidden layers -> (batch, latent).</summary>
public sealed record MlpEncoderConfig : EncoderConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override EncoderKind Kind => EncoderKind.Mlp;

    /// <summary>Hidden layer widths, e.g. [25, 25] for the thesis' 3-25-25-2 encoder.</summary>
    public int[] HiddenLayers { get; init; } = [25, 25];

    /// <summary>Hidden activation.</summary>
    public Activation Activation { get; init; } = Activation.ReLU;

    /// <summary>
    /// Factor applied to the last Linear layer's initial weights and bias (1: TorchSharp's default initialisation).
    /// With the default the initial embeddings sit in a small patch around the centre of the box (thesis 3.5.2); a
    /// larger gain spreads them over more grid cells from the start.
    /// </summary>
    public double LatentInitGain { get; init; } = 1;

    /// <inheritdoc/>
    public override void Validate(int inputs)
    {
        if (!(LatentInitGain > 0) || double.IsInfinity(LatentInitGain))
            throw new ArgumentException($"LatentInitGain must be a finite number > 0 (got {LatentInitGain}).");
        if (HiddenLayers.Any(h => h < 1)) throw new ArgumentException($"Hidden layer widths must be positive (got {string.Join(",", HiddenLayers)}).");
    }

    /// <summary>Value equality, the hidden widths compared element by element (a record alone compares the array reference).</summary>
    public bool Equals(MlpEncoderConfig? other) =>
        other is not null && HiddenLayers.SequenceEqual(other.HiddenLayers) && Activation == other.Activation && LatentInitGain.Equals(other.LatentInitGain);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(HiddenLayers.Length, Activation, LatentInitGain);
}

/// <summary>A residual CNN encoder on square 1-channel images (<see cref="CnnEncoder"/>).</summary>
public sealed record CnnEncoderConfig : EncoderConfig
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override EncoderKind Kind => EncoderKind.Cnn;

    /// <summary>Channel width of the first stage.</summary>
    public int Width { get; init; } = CnnEncoder.DefaultWidth;

    /// <summary>Side length of the square images; the model's inputs must be <c>ImageSize^2</c> pixels.</summary>
    public int ImageSize { get; init; } = 28;

    /// <inheritdoc/>
    public override void Validate(int inputs)
    {
        if (inputs != ImageSize * ImageSize)
            throw new ArgumentException($"A CNN encoder on {ImageSize}x{ImageSize} images needs {ImageSize * ImageSize} inputs (got {inputs}).");
    }
}
