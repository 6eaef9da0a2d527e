using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Experiments.Sweeps;
using NeuralSparseGrids.ML.Baselines;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>The methods of `nsg compare`, by name: the core's NSG/ANN/sparse grid learners and the ML.NET baselines.</summary>
public static class ComparisonMethods
{
    /// <summary>All method names, in report order.</summary>
    public static readonly string[] Names = ["nsg", "nsg-adaptive", "nsg-tuned", "ann", "linear", "trees", "sg"];

    /// <summary>
    /// The methods run when --methods is not given: all but the opt-in NSG variants, `nsg-tuned` (a tuning budget of NSG
    /// fits per split) and `nsg-adaptive` (one more NSG fit per split).
    /// </summary>
    public static readonly string[] DefaultNames = [.. Names.Where(n => n != TunedNsgMethod.MethodName && n != "nsg-adaptive")];

    /// <summary>Parses a comma-separated list (null: <see cref="DefaultNames"/>) into names (in the order given), rejecting unknown and repeated ones.</summary>
    public static string[] Parse(string? list)
    {
        if (list == null) return DefaultNames;
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(n => n.ToLowerInvariant()).ToArray();
        if (names.Length == 0) throw new CliUsageException($"--methods needs at least one of {string.Join(", ", Names)}.");
        var unknown = names.Where(n => !Names.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new CliUsageException($"--methods: unknown method{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; choose from {string.Join(", ", Names)}.");
        var repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new CliUsageException($"--methods: '{repeated.Key}' is listed twice.");
        return names;
    }

    /// <summary>
    /// The methods for <paramref name="names"/>; `nsg` and `ann` use the model and training settings of
    /// <paramref name="spec"/>; `nsg-tuned` searches `nsg tune`'s space around the same command line
    /// (<paramref name="args"/>, file-data defaults applied) for data of <paramref name="problem"/>'s shape.
    /// </summary>
    public static IReadOnlyList<IComparisonMethod> Create(IEnumerable<string> names, ExperimentSpec spec, CliArguments args, ComparisonProblem problem, TuningSettings tuning) =>
        names.Select(n => n switch
        {
            "nsg" => (IComparisonMethod)new NsgMethod("nsg", spec.Model with { Head = HeadKind.SparseGrid }, spec.Training),
            "nsg-adaptive" => Adaptive(spec),
            "nsg-tuned" => Tuned(args, problem, tuning),
            "ann" => new NsgMethod("ann", spec.Model with { Head = HeadKind.Dense }, spec.Training),
            "linear" => new LinearBaseline(),
            "trees" => new TreeBaseline(),
            "sg" => new SparseGridMethod(),
            _ => throw new CliUsageException($"Unknown method '{n}'."),
        }).ToList();

    // The same NSG on a grid that starts two levels lower and refines within the regular grid's points (AdaptiveNsg).
    private static NsgMethod Adaptive(ExperimentSpec spec)
    {
        var (model, training) = AdaptiveNsg.From(spec.Model with { Head = HeadKind.SparseGrid }, spec.Training);
        return new NsgMethod("nsg-adaptive", model, training);
    }

    // nsg tune's candidates, each parsed as `nsg train` would read the command line with the candidate's options added.
    private static TunedNsgMethod Tuned(CliArguments args, ComparisonProblem problem, TuningSettings tuning) =>
        new([.. TuneSpace.Candidates(new DataShape(problem.Inputs, problem.Rows, problem.Classes), tuning.Budget, tuning.Seed).Select(c =>
        {
            var spec = ExperimentOptions.Parse(args.With(c.Settings));
            return new TuneCandidate(c.Label, spec.Model, spec.Training);
        })], tuning.TrialEpochs);
}

/// <summary>Settings of the `nsg-tuned` method of `nsg compare` / `nsg benchmark`.</summary>
/// <param name="Budget">Candidates per split, the defaults included.</param>
/// <param name="Seed">Seed of the random draws (the same candidates on every split).</param>
/// <param name="TrialEpochs">Epoch cap of the trials (null: none); the winner is then retrained in full.</param>
public sealed record TuningSettings(int Budget, int Seed, int? TrialEpochs)
{
    /// <summary>Usage lines.</summary>
    public const string Usage =
        "  --tune-budget N   nsg-tuned: candidates per split, the defaults included (20)\n" +
        "  --tune-epochs E   nsg-tuned: epoch cap of each candidate's trial; the winner is then retrained in full (no cap)\n" +
        "  --tune-seed S     nsg-tuned: seed of the random draws, the same candidates on every split (1)";

    /// <summary>Reads --tune-budget, --tune-seed and --tune-epochs.</summary>
    public static TuningSettings Parse(CliArguments args) => new(
        args.Int("tune-budget", 20, 1, 100_000),
        args.Int("tune-seed", 1),
        args.String("tune-epochs") is null ? null : args.Int("tune-epochs", 1, 1, 1_000_000));
}
