using System.Text.Json;
using System.Text.Json.Serialization;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>One data set of a benchmark suite.</summary>
/// <param name="File">File name inside the suite directory.</param>
/// <param name="Task">"regression" or "classification".</param>
/// <param name="Target">Target column.</param>
/// <param name="Options">Extra `nsg compare` options, name (without --) to value (e.g. "drop": "id").</param>
public sealed record BenchmarkDataset(string File, string Task, string Target, IReadOnlyDictionary<string, string>? Options = null)
{
    /// <summary>Display name: the file name without .csv/.arff and .gz.</summary>
    [JsonIgnore]
    public string Name
    {
        get
        {
            string n = File.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? File[..^3] : File;
            return Path.GetFileNameWithoutExtension(n);
        }
    }

    /// <summary>The task as a <see cref="DatasetTask"/>.</summary>
    [JsonIgnore]
    public DatasetTask DatasetTask => Task.ToLowerInvariant() switch
    {
        "regression" => Data.DatasetTask.Regression,
        "classification" => Data.DatasetTask.Classification,
        _ => throw new InvalidDataException($"task '{Task}' of {File}: expected regression or classification."),
    };
}

/// <summary>
/// A benchmark suite manifest (JSON): the data sets of a directory with task and target each, e.g.
/// docs/benchmark/suite.json for the nine raw R data sets. Kept in the repository, not next to the (read-only) data.
/// </summary>
public sealed record BenchmarkSuite
{
    /// <summary>Manifest file name looked for in the suite directory when none is given.</summary>
    public const string FileName = "suite.json";

    /// <summary>What the suite is.</summary>
    public string Description { get; init; } = "";

    /// <summary>The data sets, in report order.</summary>
    public IReadOnlyList<BenchmarkDataset> Datasets { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses a manifest; errors name the file and the entry.</summary>
    public static BenchmarkSuite Parse(string json, string source)
    {
        BenchmarkSuite? suite;
        try { suite = JsonSerializer.Deserialize<BenchmarkSuite>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a valid suite manifest ({e.Message})."); }
        if (suite == null || suite.Datasets.Count == 0) throw new InvalidDataException($"{source}: the manifest lists no data sets (expected \"datasets\": [{{\"file\", \"task\", \"target\"}}, ...]).");
        for (int i = 0; i < suite.Datasets.Count; i++)
        {
            var d = suite.Datasets[i];
            if (string.IsNullOrWhiteSpace(d.File)) throw new InvalidDataException($"{source}: data set {i + 1} has no \"file\".");
            if (string.IsNullOrWhiteSpace(d.Target)) throw new InvalidDataException($"{source}: data set {i + 1} ({d.File}) has no \"target\".");
            if (string.IsNullOrWhiteSpace(d.Task)) throw new InvalidDataException($"{source}: data set {i + 1} ({d.File}) has no \"task\".");
            try { _ = d.DatasetTask; }
            catch (InvalidDataException e) { throw new InvalidDataException($"{source}: data set {i + 1}: {e.Message}"); }
        }
        var twice = suite.Datasets.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice != null) throw new InvalidDataException($"{source}: data set '{twice.Key}' is listed twice.");
        return suite;
    }

    /// <summary>Reads a manifest file.</summary>
    public static BenchmarkSuite Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"Suite manifest not found: {path}.", path);
        return Parse(System.IO.File.ReadAllText(path), path);
    }
}
