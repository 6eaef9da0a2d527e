using System.Globalization;
using System.Text;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>Markdown and CSV renderings of comparison results (one data set, or a suite of them).</summary>
public static class ComparisonReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A score as reported: accuracy with 3 decimals, RMSE with 4 significant digits.</summary>
    public static string Format(double value, bool accuracy) =>
        double.IsNaN(value) ? "-" : accuracy ? value.ToString("F3", Inv) : value.ToString("G4", Inv);

    /// <summary>"median [min, max]" of a method, or "n/a" / "failed".</summary>
    public static string Cell(MethodSummary m, bool accuracy) =>
        m.NotApplicable != null ? "n/a"
        : m.Splits.Count == m.Failures ? "failed"
        : $"{Format(m.Median, accuracy)} [{Format(m.Min, accuracy)}, {Format(m.Max, accuracy)}]{(m.Failures > 0 ? $" ({m.Failures} failed)" : "")}";

    /// <summary>Markdown table of one comparison: a row per method.</summary>
    public static string Markdown(ComparisonResult r)
    {
        bool acc = r.HigherIsBetter;
        var sb = new StringBuilder();
        sb.AppendLine($"| method | test {(acc ? "accuracy" : "RMSE")}: median [min, max] over {r.Seeds.Length} splits | fit s (median) | what ran |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var m in r.Methods)
            sb.AppendLine($"| {m.Name} | {Cell(m, acc)} | {(m.NotApplicable != null ? "-" : m.FitSeconds.ToString("F1", Inv))} | {Escape(m.NotApplicable ?? Short(m.Detail))} |");
        return sb.ToString();
    }

    /// <summary>Markdown summary of a suite: a row per data set, a column per method ("median [min, max]", fit seconds).</summary>
    public static string Markdown(IReadOnlyList<(string Name, ComparisonResult Result)> suite)
    {
        var methods = suite.SelectMany(s => s.Result.Methods.Select(m => m.Name)).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| data set | rows | inputs | metric | {string.Join(" | ", methods)} |");
        sb.AppendLine($"|---|---|---|---|{string.Concat(methods.Select(_ => "---|"))}");
        foreach (var (name, r) in suite)
        {
            var cells = methods.Select(n => r.Methods.FirstOrDefault(m => m.Name == n) is { } m
                ? Cell(m, r.HigherIsBetter) + (m.NotApplicable == null && m.Failures < m.Splits.Count ? $" · {m.FitSeconds.ToString("F1", Inv)} s" : "")
                : "-");
            sb.AppendLine($"| {name} | {r.Problem.Rows} | {r.Problem.Inputs} | {(r.HigherIsBetter ? "accuracy ↑" : "RMSE ↓")} | {string.Join(" | ", cells)} |");
        }
        return sb.ToString();
    }

    /// <summary>CSV header of <see cref="CsvRows"/>.</summary>
    public const string CsvHeader = "dataset,task,metric,method,median,min,max,fit_seconds,splits,failures,not_applicable,detail";

    /// <summary>CSV rows (one per method) of a comparison, with <paramref name="dataset"/> in the first column.</summary>
    public static IEnumerable<string> CsvRows(string dataset, ComparisonResult r) =>
        r.Methods.Select(m => string.Join(",",
            Quote(dataset), r.Problem.Task.ToString().ToLowerInvariant(), r.Metric, Quote(m.Name),
            Num(m.Median), Num(m.Min), Num(m.Max), m.NotApplicable != null ? "" : Num(m.FitSeconds),
            m.Splits.Count.ToString(Inv), m.Failures.ToString(Inv), Quote(m.NotApplicable ?? ""), Quote(m.Detail)));

    /// <summary>The whole CSV of a suite (or of one comparison, as a suite of one).</summary>
    public static string Csv(IReadOnlyList<(string Name, ComparisonResult Result)> suite) =>
        CsvHeader + "\n" + string.Concat(suite.SelectMany(s => CsvRows(s.Name, s.Result)).Select(l => l + "\n"));

    /// <summary>The JSON shape of a comparison: task, metric, split sizes and per method median, min, max, fit seconds and per-split scores.</summary>
    public static object Json(ComparisonResult r) => new
    {
        task = r.Problem.Task.ToString().ToLowerInvariant(),
        metric = r.Metric,
        rows = r.Problem.Rows,
        inputs = r.Problem.Inputs,
        classes = r.Problem.Classes,
        seeds = r.Seeds,
        splitRows = r.SplitRows,
        seconds = r.Seconds,
        methods = r.Methods.ToDictionary(m => m.Name, m => (object)new
        {
            median = Nullable(m.Median),
            min = Nullable(m.Min),
            max = Nullable(m.Max),
            fitSeconds = m.NotApplicable != null ? null : Nullable(m.FitSeconds),
            failures = m.Failures,
            notApplicable = m.NotApplicable,
            detail = m.Detail,
            splits = m.Splits.Select(s => new { seed = s.Seed, score = Nullable(s.Score), fitSeconds = s.FitSeconds, detail = s.Detail, failed = s.Failed }),
        }),
    };

    private static double? Nullable(double v) => double.IsNaN(v) ? null : v;

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", Inv);

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ");

    private static string Short(string s) => s.Length <= 120 ? s : s[..117] + "...";
}
