using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>JSON settings of the sweep files (camelCase, indented, NaN allowed, nulls left out).</summary>
public static class SweepJson
{
    /// <summary>The options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>The selection score of a sweep: a validation metric and whether lower or higher is better.</summary>
public static class SweepScore
{
    /// <summary>The scores a spec may name.</summary>
    public static readonly string[] Known = ["validation.mse", "validation.mae", "validation.accuracy"];

    /// <summary>True if <paramref name="score"/> is one of <see cref="Known"/>.</summary>
    public static bool IsKnown(string score) => Known.Contains(score);

    /// <summary>True when a higher value is better (accuracy).</summary>
    public static bool HigherIsBetter(string score) => score.EndsWith("accuracy", StringComparison.Ordinal);

    /// <summary>The metric name inside the split ("mse", "accuracy").</summary>
    public static string Metric(string score) => score[(score.IndexOf('.') + 1)..];
}
