using System.Text.Json;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>Status of a finished cell.</summary>
public static class CellStatus
{
    /// <summary>Trained and evaluated.</summary>
    public const string Ok = "ok";
    /// <summary>Training diverged; the last good parameters were evaluated (metrics present).</summary>
    public const string Diverged = "diverged";
    /// <summary>No result: <see cref="SweepCellOutcome.Error"/> says why.</summary>
    public const string Failed = "failed";
}

/// <summary>A cell's result.json: what ran, how it ended, and `nsg train --json`'s output.</summary>
public sealed record SweepCellOutcome
{
    /// <summary>Cell index.</summary>
    public int Index { get; init; }
    /// <summary>Configuration number.</summary>
    public int Configuration { get; init; }
    /// <summary>Dimension -> value label.</summary>
    public Dictionary<string, string> Values { get; init; } = [];
    /// <summary>Training seed.</summary>
    public int Seed { get; init; }
    /// <summary><see cref="CellStatus"/>.</summary>
    public string Status { get; init; } = CellStatus.Failed;
    /// <summary>Why it failed (the command's error output).</summary>
    public string? Error { get; init; }
    /// <summary>Exit code of `nsg train`.</summary>
    public int ExitCode { get; init; }
    /// <summary>The `nsg train` arguments.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>Wall time of the cell (seconds).</summary>
    public double Seconds { get; init; }
    /// <summary>Host that ran it.</summary>
    public string Host { get; init; } = "";
    /// <summary>When it finished (UTC, ISO 8601).</summary>
    public string Finished { get; init; } = "";
    /// <summary>`nsg train --json`'s result object (null when failed).</summary>
    public JsonElement? Result { get; init; }

    /// <summary>An outcome of <paramref name="cell"/> stamped with this host and the time now; set the status and result with `with`.</summary>
    public static SweepCellOutcome For(SweepCell cell) => new()
    {
        Index = cell.Index,
        Configuration = cell.Configuration,
        Values = cell.Values.Dimensions.ToDictionary(n => n, n => cell.Values.Values[n].Label),
        Seed = cell.Seed,
        Arguments = cell.Arguments,
        Host = Environment.MachineName,
        Finished = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>True when the cell has metrics (ok or diverged).</summary>
    public bool HasMetrics => Status != CellStatus.Failed && Result is not null;

    /// <summary>A number at a dotted path of the result ("validation.mse", "gridPoints"); null if absent.</summary>
    public double? Number(string path)
    {
        if (Result is not JsonElement e) return null;
        foreach (string part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return null;
        }
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String when double.TryParse(e.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) => v,
            _ => null,
        };
    }
}
