using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>How encoder outputs in R^d are mapped into the grid's box [0,1]^d (thesis 3.2.1 and 3.4.3).</summary>
public enum RescaleKind
{
    /// <summary>h = sigmoid(z).</summary>
    Sigmoid,
    /// <summary>h = (tanh(z) + 1) / 2.</summary>
    Tanh,
    /// <summary>Reserved margin m: h = (1 - 2m) sigmoid(z) + m, so embeddings stay in [m, 1 - m]^d.</summary>
    Margin,
}

/// <summary>
/// A rescaling choice; <see cref="Parse"/> reads the CLI spelling `sigmoid`, `tanh` or `margin:0.1`, which is also
/// its JSON form (so run directories written when the model configuration held the string still load).
/// </summary>
/// <param name="Kind">Rescaling function.</param>
/// <param name="MarginWidth">Margin m for <see cref="RescaleKind.Margin"/>, in [0, 0.5).</param>
[JsonConverter(typeof(RescalingJsonConverter))]
public sealed record Rescaling(RescaleKind Kind, double MarginWidth = 0.1)
{
    /// <summary>h = sigmoid(z), the default.</summary>
    public static Rescaling Sigmoid { get; } = new(RescaleKind.Sigmoid, 0);

    /// <summary>Parses `sigmoid`, `tanh`, `margin` (m = 0.1) or `margin:M`.</summary>
    public static Rescaling Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s == "sigmoid") return Sigmoid;
        if (s == "tanh") return new(RescaleKind.Tanh, 0);
        if (s == "margin") return new(RescaleKind.Margin, 0.1);
        if (s.StartsWith("margin:", StringComparison.Ordinal))
        {
            if (!double.TryParse(s[7..], NumberStyles.Float, CultureInfo.InvariantCulture, out double m) || m < 0 || m >= 0.5)
                throw new FormatException($"Margin in '{text}' must be a number in [0, 0.5).");
            return new(RescaleKind.Margin, m);
        }
        throw new FormatException($"Unknown rescaling '{text}': expected sigmoid, tanh or margin:M (e.g. margin:0.1).");
    }

    /// <summary>The CLI spelling.</summary>
    public override string ToString() => Kind switch
    {
        RescaleKind.Margin => string.Create(CultureInfo.InvariantCulture, $"margin:{MarginWidth}"),
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Applies the rescaling: (batch, d) -> (batch, d) in [0,1]^d.</summary>
    public Tensor Apply(Tensor z) => Kind switch
    {
        RescaleKind.Sigmoid => torch.sigmoid(z),
        RescaleKind.Tanh => (torch.tanh(z) + 1) * 0.5,
        _ => ReserveMargin(torch.sigmoid(z), MarginWidth),
    };

    /// <summary>The interval [low, high] every embedding coordinate lies in: [m, 1 - m] with a margin, else [0, 1].</summary>
    public (double Low, double High) Range => Kind == RescaleKind.Margin ? (MarginWidth, 1 - MarginWidth) : (0, 1);

    /// <summary>The reserved margin of thesis 3.4.3: maps points of [0,1]^d into [m, 1 - m]^d, h' = (1 - 2m) h + m.</summary>
    public static Tensor ReserveMargin(Tensor h, double m) => h * (1 - 2 * m) + m;
}

/// <summary>Reads and writes a <see cref="Rescaling"/> as its CLI spelling, e.g. "margin:0.1".</summary>
internal sealed class RescalingJsonConverter : JsonConverter<Rescaling>
{
    public override Rescaling Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string text = reader.GetString() ?? throw new JsonException("A rescaling must be a string such as \"sigmoid\" or \"margin:0.1\".");
        try { return Rescaling.Parse(text); }
        catch (FormatException e) { throw new JsonException(e.Message, e); }
    }

    public override void Write(Utf8JsonWriter writer, Rescaling value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
