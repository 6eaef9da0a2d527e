using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.ML.Baselines;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>The methods of `nsg compare`, by name: the core's NSG/ANN/sparse grid learners and the ML.NET baselines.</summary>
public static class ComparisonMethods
{
    /// <summary>All method names, in report order.</summary>
    public static readonly string[] Names = ["nsg", "ann", "linear", "trees", "sg"];

    /// <summary>Parses a comma-separated list (null: all) into names, rejecting unknown and repeated ones.</summary>
    public static string[] Parse(string? list)
    {
        if (list == null) return Names;
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(n => n.ToLowerInvariant()).ToArray();
        if (names.Length == 0) throw new CliUsageException($"--methods needs at least one of {string.Join(", ", Names)}.");
        var unknown = names.Where(n => !Names.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new CliUsageException($"--methods: unknown method{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; choose from {string.Join(", ", Names)}.");
        var repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new CliUsageException($"--methods: '{repeated.Key}' is listed twice.");
        return names;
    }

    /// <summary>The methods for <paramref name="names"/>; `nsg` and `ann` use the model and training settings of <paramref name="spec"/>.</summary>
    public static IReadOnlyList<IComparisonMethod> Create(IEnumerable<string> names, ExperimentSpec spec) =>
        names.Select(n => n switch
        {
            "nsg" => (IComparisonMethod)new NsgMethod("nsg", spec.Model with { Head = HeadKind.SparseGrid }, spec.Training),
            "ann" => new NsgMethod("ann", spec.Model with { Head = HeadKind.Dense }, spec.Training),
            "linear" => new LinearBaseline(),
            "trees" => new TreeBaseline(),
            "sg" => new SparseGridMethod(),
            _ => throw new CliUsageException($"Unknown method '{n}'."),
        }).ToList();
}
