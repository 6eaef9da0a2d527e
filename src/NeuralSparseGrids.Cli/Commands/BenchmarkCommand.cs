using System.Diagnostics;
using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.IO;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg benchmark`: `nsg compare` over every data set of a suite, one summary table.</summary>
public sealed class BenchmarkCommand : ICliCommand
{
    /// <summary>Options --quick sets (explicit ones win): fewer splits, a row limit per data set, fewer epochs.</summary>
    public static readonly IReadOnlyDictionary<string, string> QuickOptions = new Dictionary<string, string>
    {
        ["splits"] = "2", ["limit"] = "2000", ["epochs"] = "60", ["tune-budget"] = "5",
    };

    /// <inheritdoc />
    public string Name => "benchmark";

    /// <inheritdoc />
    public string Summary => "Run `nsg compare` over every data set of a benchmark suite and write one summary table.";

    /// <inheritdoc />
    public string Usage =>
        "nsg benchmark --suite DIR [--manifest FILE] [--quick] [--splits 5] [--methods nsg,ann,linear,trees,sg] [--only NAME,...]\n" +
        "              [--out DIR] [--json]\n\n" +
        "Task and target of each file come from the manifest: --manifest FILE, else DIR/suite.json, else the built-in one for\n" +
        "the nine data sets of the project's real-data suite (docs/benchmark/suite.json). Each data set runs as `nsg compare`\n" +
        "with the file-data defaults. Writes benchmark.md, benchmark.csv and benchmark.json into --out (default\n" +
        "benchmark-results), after every data set (a stopped run keeps what it finished).\n" +
        "  --quick   a smoke run: " + string.Join(" ", QuickOptions.Select(o => $"--{o.Key} {o.Value}")) + " (explicit options win)\n" +
        "  --only    run only these data sets (names as in the table, e.g. glass,sonar)\n" +
        "  --epochs N  --limit N   passed on to every comparison\n" +
        "  --methods ...,nsg-tuned adds the NSG tuned per split on validation (nsg compare --help)\n" + TuningSettings.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("suite");
        bool quick = args.Flag("quick");
        if (quick) foreach (var (k, v) in QuickOptions) args.SetDefault(k, v);
        string? manifest = args.String("manifest");
        int splits = args.Int("splits", 5, 1, 1000);
        string? methods = args.String("methods");
        var names = ComparisonMethods.Parse(methods);
        var tuning = TuningSettings.Parse(args);
        string? only = args.String("only");
        string outDir = args.String("out", "benchmark-results")!;
        string? epochs = args.String("epochs"), limit = args.String("limit");
        args.EnsureAllConsumed();
        if (!Directory.Exists(dir)) throw new CliUsageException($"--suite: directory not found: {dir}");
        var suite = LoadManifest(dir, manifest);
        var datasets = suite.Datasets.ToList();
        if (only != null)
        {
            var wanted = only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = wanted.Where(w => datasets.All(d => d.Name != w)).ToList();
            if (unknown.Count > 0) throw new CliUsageException($"--only: unknown data set {string.Join(", ", unknown)}; the suite has {string.Join(", ", datasets.Select(d => d.Name))}.");
            datasets = datasets.Where(d => wanted.Contains(d.Name)).ToList();
        }

        var watch = Stopwatch.StartNew();
        var results = new List<(string Name, ComparisonResult Result)>();
        var errors = new Dictionary<string, string>();
        foreach (var d in datasets)
        {
            var line = new List<string> { "--data", Path.Combine(dir, d.File), "--target", d.Target, "--task", d.Task.ToLowerInvariant() };
            foreach (var (k, v) in d.Options ?? new Dictionary<string, string>()) { line.Add("--" + k); line.Add(v); }
            if (epochs != null) { line.Add("--epochs"); line.Add(epochs); }
            if (limit != null) { line.Add("--limit"); line.Add(limit); }
            try
            {
                var compareArgs = new CliArguments(line);
                var (spec, data, note) = ComparisonData.Load(compareArgs);
                compareArgs.EnsureAllConsumed();
                (context.Json ? context.Error : context.Out).WriteLine(note);
                var result = ComparisonProgress.Run(context, d.Name,
                    progress => ComparisonRunner.Run(data, ComparisonMethods.Create(names, spec, compareArgs, data.Problem, tuning), new ComparisonOptions { Splits = splits }, progress));
                results.Add((d.Name, result));
                if (!context.Json) context.Out.Write(ComparisonReport.Markdown(result));
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or IOException or CliUsageException)
            {
                errors[d.Name] = e.Message;
                context.Error.WriteLine($"{d.Name}: not run: {e.Message}");
            }
            Write(outDir, results, errors, watch.Elapsed.TotalSeconds, quick);
        }
        string table = ComparisonReport.Markdown(results);
        context.Out.WriteLine();
        context.Out.Write(table);
        context.Out.WriteLine($"{results.Count} data sets in {watch.Elapsed.TotalMinutes:F1} min; results in {outDir}");
        if (context.Json) context.WriteJson(Json(results, errors, watch.Elapsed.TotalSeconds, quick));
        return errors.Count > 0 ? CliApp.Failure : 0;
    }

    private static BenchmarkSuite LoadManifest(string dir, string? manifest)
    {
        try
        {
            if (manifest != null) return BenchmarkSuite.Load(manifest);
            string inDir = Path.Combine(dir, BenchmarkSuite.FileName);
            if (File.Exists(inDir)) return BenchmarkSuite.Load(inDir);
            using var stream = typeof(BenchmarkCommand).Assembly.GetManifestResourceStream("suite.json")
                               ?? throw new InvalidOperationException("The built-in suite manifest is missing from this build.");
            return BenchmarkSuite.Parse(new StreamReader(stream).ReadToEnd(), "built-in docs/benchmark/suite.json");
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private static object Json(List<(string Name, ComparisonResult Result)> results, Dictionary<string, string> errors, double seconds, bool quick) => new
    {
        quick,
        seconds,
        datasets = results.ToDictionary(r => r.Name, r => ComparisonReport.Json(r.Result)),
        errors,
    };

    private static void Write(string outDir, List<(string Name, ComparisonResult Result)> results, Dictionary<string, string> errors, double seconds, bool quick)
    {
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "benchmark.md"), ComparisonReport.Markdown(results));
        AtomicFile.WriteAllText(Path.Combine(outDir, "benchmark.csv"), ComparisonReport.Csv(results));
        AtomicFile.WriteAllText(Path.Combine(outDir, "benchmark.json"), JsonSerializer.Serialize(Json(results, errors, seconds, quick), CliContext.JsonOptions));
    }
}
