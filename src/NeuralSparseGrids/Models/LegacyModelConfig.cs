using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuralSparseGrids.Models;

/// <summary>
/// The flat JSON shape of <see cref="NsgModelConfig"/> written before it was grouped by concern: one object with
/// <c>encoder</c> as an enum ("Mlp"/"Cnn" or 0/1), <c>grid</c> as the grid type, and the encoder's and grid's settings
/// beside them (<c>hiddenLayers, activation, latentInitGain, cnnWidth, imageSize, level, levels, coefficientInit,
/// maxGridBytes</c>). <see cref="Group"/> rewrites such an object into today's shape, so old files still load.
/// </summary>
internal static class LegacyModelConfig
{
    /// <summary>Flat property -> its record ("Encoder" or "Grid"), its name there, and the encoder kind it belongs to (null: any).</summary>
    private static readonly (string Flat, string Part, string Name, EncoderKind? Only)[] Moves =
    [
        ("HiddenLayers", nameof(NsgModelConfig.Encoder), nameof(MlpEncoderConfig.HiddenLayers), EncoderKind.Mlp),
        ("Activation", nameof(NsgModelConfig.Encoder), nameof(MlpEncoderConfig.Activation), EncoderKind.Mlp),
        ("LatentInitGain", nameof(NsgModelConfig.Encoder), nameof(MlpEncoderConfig.LatentInitGain), EncoderKind.Mlp),
        ("CnnWidth", nameof(NsgModelConfig.Encoder), nameof(CnnEncoderConfig.Width), EncoderKind.Cnn),
        ("ImageSize", nameof(NsgModelConfig.Encoder), nameof(CnnEncoderConfig.ImageSize), EncoderKind.Cnn),
        ("Level", nameof(NsgModelConfig.Grid), nameof(GridConfig.Level), null),
        ("Levels", nameof(NsgModelConfig.Grid), nameof(GridConfig.Levels), null),
        ("CoefficientInit", nameof(NsgModelConfig.Grid), nameof(GridConfig.CoefficientInit), null),
        ("MaxGridBytes", nameof(NsgModelConfig.Grid), nameof(GridConfig.MaxBytes), null),
    ];

    /// <summary>True when <paramref name="json"/> has the flat shape: the encoder or grid is a plain value, or a flat setting sits at the top.</summary>
    public static bool IsFlat(JsonObject json) =>
        Find(json, nameof(NsgModelConfig.Encoder)) is JsonValue || Find(json, nameof(NsgModelConfig.Grid)) is JsonValue
        || Moves.Any(m => Find(json, m.Flat) is not null);

    /// <summary>Today's shape of a flat object: the settings moved into <c>encoder</c> (with its <c>kind</c> first) and <c>grid</c> (with its <c>type</c>).</summary>
    public static JsonObject Group(JsonObject flat, JsonSerializerOptions options)
    {
        string Name(string name) => NsgModelConfigJsonConverter.JsonName(name, options);
        var kind = LegacyKind(Find(flat, nameof(NsgModelConfig.Encoder)));
        var encoder = new JsonObject { ["kind"] = kind == EncoderKind.Cnn ? "cnn" : "mlp" };
        var grid = new JsonObject();
        if (Find(flat, nameof(NsgModelConfig.Grid)) is JsonValue type) grid[Name(nameof(GridConfig.Type))] = type.DeepClone();
        var grouped = new JsonObject();
        foreach (var (key, value) in flat)
        {
            var move = Moves.FirstOrDefault(m => Same(key, m.Flat));
            if (move.Flat is null)
            {
                if (!Same(key, nameof(NsgModelConfig.Encoder)) && !Same(key, nameof(NsgModelConfig.Grid))) grouped[key] = value?.DeepClone();
                continue;
            }
            if (move.Only is { } only && only != kind) continue; // e.g. the unused MLP widths a CNN configuration carried
            (move.Part == nameof(NsgModelConfig.Encoder) ? encoder : grid)[Name(move.Name)] = value?.DeepClone();
        }
        grouped[Name(nameof(NsgModelConfig.Encoder))] = encoder;
        grouped[Name(nameof(NsgModelConfig.Grid))] = grid;
        return grouped;
    }

    /// <summary>The property of <paramref name="json"/> named <paramref name="name"/>, ignoring case (null when absent).</summary>
    public static JsonNode? Find(JsonObject json, string name) =>
        json.FirstOrDefault(p => Same(p.Key, name)).Value;

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static EncoderKind LegacyKind(JsonNode? encoder)
    {
        if (encoder is not JsonValue value) return EncoderKind.Mlp; // the old default
        if (value.TryGetValue(out int number) && Enum.IsDefined((EncoderKind)number)) return (EncoderKind)number;
        if (value.TryGetValue(out string? text) && Enum.TryParse(text, ignoreCase: true, out EncoderKind parsed)) return parsed;
        throw new JsonException($"Model configuration: unknown encoder {value.ToJsonString()} (expected \"Mlp\" or \"Cnn\").");
    }
}
