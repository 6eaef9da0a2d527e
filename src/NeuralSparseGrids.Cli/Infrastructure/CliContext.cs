using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Where a command writes: human text to <see cref="Out"/>, errors to <see cref="Error"/>; a JSON result as the last stdout line.</summary>
public sealed class CliContext(TextWriter output, TextWriter error)
{
    /// <summary>Options for every JSON result line (camelCase, NaN as null-safe named literals).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Standard output.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; } = error;

    /// <summary>True when --json was given: the last stdout line must be one JSON object, and no progress bars.</summary>
    public bool Json { get; set; }

    /// <summary>True when progress bars may be drawn: an interactive terminal and no --json.</summary>
    public bool Interactive { get; set; } = !Console.IsOutputRedirected;

    /// <summary>Writes <paramref name="result"/> as one JSON line (must be the last stdout line of a --json run).</summary>
    public void WriteJson(object result) => Out.WriteLine(JsonSerializer.Serialize(result, result.GetType(), JsonOptions));
}
