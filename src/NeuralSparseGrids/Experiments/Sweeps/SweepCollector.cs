using System.Globalization;
using System.Text;
using System.Text.Json;
using NeuralSparseGrids.Plotting;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>A configuration's figures over its seeds: median validation score and test metric, with their ranges.</summary>
/// <param name="Configuration">Configuration number.</param>
/// <param name="Description">"lr=0.01, method=ls".</param>
/// <param name="Values">Dimension -> label.</param>
/// <param name="Score">Median validation score over the seeds with metrics.</param>
/// <param name="Test">Median test metric (test MSE or accuracy).</param>
/// <param name="TestMin">Smallest test metric.</param>
/// <param name="TestMax">Largest test metric.</param>
/// <param name="Cells">Cells of the configuration (all seeds).</param>
/// <param name="Finished">Cells with metrics.</param>
public sealed record ConfigurationSummary(int Configuration, string Description, IReadOnlyDictionary<string, string> Values, double? Score, double? Test,
    double? TestMin, double? TestMax, int Cells, int Finished);

/// <summary>A collected sweep: every cell's result, per-configuration summaries, and the best configuration by validation score.</summary>
/// <param name="Spec">The spec.</param>
/// <param name="Cells">One entry per cell in index order (null: no result yet).</param>
/// <param name="Score">Selection score ("validation.mse").</param>
/// <param name="TestMetric">Test metric shown next to it ("test.mse" or "test.accuracy").</param>
/// <param name="Configurations">Per configuration.</param>
/// <param name="Best">Best configuration by median validation score (null if none finished).</param>
public sealed record SweepResults(SweepSpec Spec, IReadOnlyList<SweepCellOutcome?> Cells, string Score, string TestMetric,
    IReadOnlyList<ConfigurationSummary> Configurations, ConfigurationSummary? Best)
{
    /// <summary>Cells with a result (ok, diverged or failed).</summary>
    public int Finished => Cells.Count(c => c != null);

    /// <summary>Cells that failed.</summary>
    public int Failed => Cells.Count(c => c?.Status == CellStatus.Failed);
}

/// <summary>
/// `nsg sweep collect`: reads the cells of a sweep folder and writes results.csv (one row per cell, only figures the seed
/// determines, so two runs of a sweep can be diffed), results.md (the same with timings, the per-configuration medians
/// and the best configuration), results.json, and for two swept dimensions heatmaps of the median validation score and
/// test metric (heatmap-validation.png, heatmap-test.png).
/// </summary>
public static class SweepCollector
{
    /// <summary>Reads every cell of the sweep in <paramref name="folder"/>.</summary>
    public static SweepResults Collect(SweepFolder folder)
    {
        if (!File.Exists(folder.SpecPath)) throw new FileNotFoundException($"{folder.Root} is not a sweep folder (no {SweepFolder.SpecFileName}).", folder.SpecPath);
        var spec = SweepSpecReader.ReadFile(folder.SpecPath);
        var cells = Enumerable.Range(0, spec.CellCount).Select(folder.ReadResult).ToList();
        bool classification = cells.Any(c => c?.Number("validation.accuracy") != null);
        string score = spec.Score ?? (classification ? "validation.accuracy" : "validation.mse");
        string test = "test." + (SweepScore.HigherIsBetter(score) ? "accuracy" : SweepScore.Metric(score));
        var configurations = spec.Configurations();
        var summaries = configurations.Select((c, k) =>
        {
            var mine = cells.Where(r => r?.Configuration == k && r.HasMetrics).Select(r => r!).ToList();
            var tests = mine.Select(r => r.Number(test)).OfType<double>().Where(double.IsFinite).Order().ToArray();
            return new ConfigurationSummary(k, c.Describe(), c.Dimensions.ToDictionary(d => d, d => c.Values[d].Label),
                Median(mine.Select(r => r.Number(score)).OfType<double>()), Median(tests), tests.Length > 0 ? tests[0] : null,
                tests.Length > 0 ? tests[^1] : null, spec.Seeds.Count, mine.Count);
        }).ToList();
        bool higher = SweepScore.HigherIsBetter(score);
        var ranked = summaries.Where(s => s.Score is double v && double.IsFinite(v)).ToList();
        var best = ranked.Count == 0 ? null : higher ? ranked.MaxBy(s => s.Score) : ranked.MinBy(s => s.Score);
        return new SweepResults(spec, cells, score, test, summaries, best);
    }

    /// <summary>Median of the finite values; null if none.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        double median = Statistics.Median(values.Where(double.IsFinite));
        return double.IsNaN(median) ? null : median;
    }

    /// <summary>Writes the result files into the sweep folder; returns their paths.</summary>
    public static IReadOnlyList<string> Write(SweepResults results, SweepFolder folder)
    {
        var files = new List<string>();
        void Put(string name, string text) { string p = Path.Combine(folder.Root, name); AtomicFile.WriteAllText(p, text); files.Add(p); }
        Put("results.csv", ToCsv(results));
        Put("results.md", ToMarkdown(results));
        Put("results.json", JsonSerializer.Serialize(new
        {
            name = results.Spec.Name, score = results.Score, testMetric = results.TestMetric, cells = results.Cells.Count,
            finished = results.Finished, failed = results.Failed, best = results.Best, configurations = results.Configurations,
            results = results.Cells,
        }, SweepJson.Options));
        if (BestCell(results) is { } cell)
            Put("best.json", JsonSerializer.Serialize(new
            {
                configuration = results.Best!.Description, values = results.Best.Values, score = results.Score, validation = results.Best.Score,
                test = results.Best.Test, seed = cell.Seed, cell = cell.Index, model = Path.Combine(folder.Cell(cell.Index), "run"),
                train = "nsg train " + string.Join(' ', cell.Arguments.Select(Experiments.Sweeps.NsgCommand.ShellQuote)),
            }, SweepJson.Options));
        files.AddRange(WriteHeatmaps(results, folder.Root));
        return files;
    }

    /// <summary>The cell of the best configuration with the best validation score (its trained model is the one to keep).</summary>
    public static SweepCellOutcome? BestCell(SweepResults results)
    {
        if (results.Best is not { } best) return null;
        var cells = results.Cells.Where(c => c is { HasMetrics: true } && c.Configuration == best.Configuration && c.Number(results.Score) is double v && double.IsFinite(v)).Select(c => c!).ToList();
        if (cells.Count == 0) return null;
        return SweepScore.HigherIsBetter(results.Score) ? cells.MaxBy(c => c.Number(results.Score)) : cells.MinBy(c => c.Number(results.Score));
    }

    /// <summary>Columns of results.csv after the dimensions.</summary>
    public static readonly string[] MetricColumns =
    [
        "validation.mse", "validation.mae", "validation.accuracy", "test.mse", "test.mae", "test.mseRaw", "test.maeRaw", "test.accuracy",
        "epochs", "bestEpoch", "gridPoints", "activatedPoints", "bursts",
    ];

    /// <summary>CSV: index, configuration, dimensions, seed, status, score, metrics, error.</summary>
    public static string ToCsv(SweepResults results)
    {
        var c = CultureInfo.InvariantCulture;
        var dims = results.Spec.Dimensions;
        var sb = new StringBuilder();
        sb.AppendJoin(',', new[] { "index", "configuration" }.Concat(dims).Concat(["seed", "status", "score"]).Concat(MetricColumns).Append("error").Select(Quote)).Append('\n');
        var cells = results.Spec.Cells();
        foreach (var cell in cells)
        {
            var r = results.Cells[cell.Index];
            string Num(string path) => r?.Number(path) is double v ? v.ToString("R", c) : "";
            var row = new List<string> { cell.Index.ToString(c), cell.Configuration.ToString(c) };
            row.AddRange(dims.Select(d => cell.Values.Values[d].Label));
            row.AddRange([cell.Seed.ToString(c), r?.Status ?? "missing", Num(results.Score)]);
            row.AddRange(MetricColumns.Select(Num));
            row.Add(r?.Status == CellStatus.Failed ? r.Error ?? "" : "");
            sb.AppendJoin(',', row.Select(Quote)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Markdown: status line, best configuration, one row per cell, then per-configuration medians.</summary>
    public static string ToMarkdown(SweepResults results)
    {
        var c = CultureInfo.InvariantCulture;
        var dims = results.Spec.Dimensions;
        var sb = new StringBuilder($"# Sweep {results.Spec.Name}\n\n");
        sb.Append(c, $"{results.Finished} of {results.Cells.Count} cells finished ({results.Failed} failed); selection by {results.Score} ");
        sb.Append(SweepScore.HigherIsBetter(results.Score) ? "(higher is better)" : "(lower is better)").Append(", median over seeds.\n\n");
        if (results.Best is { } best)
            sb.Append(c, $"**Best configuration:** {best.Description} — {results.Score} {F(best.Score)}, {results.TestMetric} {F(best.Test)} ({best.Finished} seed(s)).\n\n");
        sb.Append("| cell | ").AppendJoin(" | ", dims).Append(" | seed | status | ").Append(results.Score).Append(" | ").Append(results.TestMetric).Append(" | epochs | seconds |\n");
        sb.Append("|---|").Append(string.Concat(dims.Select(_ => "---|"))).Append("---|---|---|---|---|---|\n");
        foreach (var cell in results.Spec.Cells())
        {
            var r = results.Cells[cell.Index];
            string status = r is null ? "missing" : r.Status == CellStatus.Failed ? "failed: " + FirstLine(r.Error) : r.Status;
            sb.Append(c, $"| {cell.Index} | ").AppendJoin(" | ", dims.Select(d => cell.Values.Values[d].Label))
              .Append(c, $" | {cell.Seed} | {status} | {F(r?.Number(results.Score))} | {F(r?.Number(results.TestMetric))} | {F(r?.Number("epochs"))} | {(r is null ? "" : r.Seconds.ToString("F1", c))} |\n");
        }
        if (results.Spec.Seeds.Count > 1)
        {
            sb.Append("\n## Per configuration (median over seeds, test range)\n\n| configuration | ").Append(results.Score).Append(" | ").Append(results.TestMetric).Append(" | range | seeds |\n|---|---|---|---|---|\n");
            foreach (var s in results.Configurations)
                sb.Append(c, $"| {s.Description} | {F(s.Score)} | {F(s.Test)} | [{F(s.TestMin)}, {F(s.TestMax)}] | {s.Finished}/{s.Cells} |\n");
        }
        return sb.ToString();
    }

    // Two swept dimensions: the medians over seeds as annotated heatmaps, rows = first dimension, columns = second.
    private static IEnumerable<string> WriteHeatmaps(SweepResults results, string dir)
    {
        var dims = results.Spec.Dimensions;
        if (dims.Count != 2) yield break;
        var rows = results.Configurations.Select(s => s.Values[dims[0]]).Distinct().ToList();
        var columns = results.Configurations.Select(s => s.Values[dims[1]]).Distinct().ToList();
        bool accuracy = SweepScore.HigherIsBetter(results.Score);
        foreach (var (name, pick, label) in new (string, Func<ConfigurationSummary, double?>, string)[]
                 {
                     ("heatmap-validation.png", s => s.Score, results.Score), ("heatmap-test.png", s => s.Test, results.TestMetric),
                 })
        {
            var values = new double[rows.Count, columns.Count];
            for (int r = 0; r < rows.Count; r++) for (int k = 0; k < columns.Count; k++) values[r, k] = double.NaN;
            foreach (var s in results.Configurations)
                if (pick(s) is double v)
                    values[rows.IndexOf(s.Values[dims[0]]), columns.IndexOf(s.Values[dims[1]])] = accuracy ? v : Math.Log10(v);
            if (!values.Cast<double>().Any(double.IsFinite)) continue;
            string path = Path.Combine(dir, name);
            Plots.LabelledHeatmap(path, values, rows, columns, $"{results.Spec.Name}: {(accuracy ? label : "log10 " + label)} ({dims[0]} x {dims[1]})", accuracy ? "0.000" : "0.00");
            yield return path;
        }
    }

    private static string F(double? v) => v is double d ? d.ToString("G4", CultureInfo.InvariantCulture) : "—";

    private static string FirstLine(string? s) => (s ?? "").Split('\n')[0].Replace("|", "/");

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
