using System.Globalization;
using System.Text;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Reproduction;

/// <summary>Writes a reproduced table as CSV (one line per cell) and Markdown (thesis vs ours side by side).</summary>
public static class TableReport
{
    /// <summary>The file stem of a table: "3.2" -> "table-3.2", "fig3.8" -> "figure-3.8".</summary>
    public static string FileStem(string id) => id.StartsWith("fig", StringComparison.Ordinal) ? "figure-" + id[3..] : "table-" + id;

    /// <summary>Writes TABLE.csv and TABLE.md into <paramref name="dir"/> atomically; returns the two paths.</summary>
    public static (string Csv, string Markdown) Write(ReproductionResult result, string dir)
    {
        string stem = Path.Combine(dir, FileStem(result.Table.Id));
        string csv = stem + ".csv", md = stem + ".md";
        AtomicFile.WriteAllText(csv, ToCsv(result));
        AtomicFile.WriteAllText(md, ToMarkdown(result));
        return (csv, md);
    }

    /// <summary>CSV: table,row,column,measure,thesis,ours,ours_min,ours_max,seeds,diverged,values,note.</summary>
    public static string ToCsv(ReproductionResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("table,row,column,measure,thesis,ours,ours_min,ours_max,seeds,diverged,values,note\n");
        foreach (var r in result.Cells)
        {
            string Num(double? v) => v is double d ? d.ToString("R", c) : "";
            sb.Append(string.Join(',',
                Quote(result.Table.Id), Quote(r.Cell.Row), Quote(r.Cell.Column), r.Cell.Measure.ToString(),
                Num(r.Cell.Thesis), Num(r.Ours), Num(r.Min), Num(r.Max),
                r.Values.Length.ToString(c), r.Diverged.ToString(c),
                Quote(string.Join(';', r.Values.Select(v => v.ToString("R", c)))), Quote(r.Cell.Note ?? ""))).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Markdown: title, setup notes, then one line per cell with the thesis and our value.</summary>
    public static string ToMarkdown(ReproductionResult result)
    {
        var t = result.Table;
        var sb = new StringBuilder();
        sb.Append("# ").Append(t.Title).Append("\n\n");
        if (t.Notes.Length > 0) sb.Append(t.Notes).Append("\n\n");
        sb.Append(result.Scale is null
            ? $"Full thesis setup, {result.Seeds} seed(s) per cell"
            : $"Reduced run (epochs <= {Show(result.Scale.Epochs)}, generated points <= {Show(result.Scale.Count)}, file rows <= {Show(result.Scale.MaxRows)}), {result.Seeds} seed(s) per cell: not comparable to the thesis in absolute terms");
        sb.Append(CultureInfo.InvariantCulture, $"; wall time {result.Seconds:F0} s. Ours: median over seeds (mean for rates), [min, max].\n\n");
        sb.Append("| Row | Column | Thesis | Ours | Spread | Note |\n|---|---|---|---|---|---|\n");
        foreach (var r in result.Cells)
        {
            var m = r.Cell.Measure;
            string spread = r.Values.Length > 1 ? $"[{m.Format(r.Min)}, {m.Format(r.Max)}]" : "";
            string note = r.Cell.Note ?? "";
            if (r.Diverged > 0) note = (note.Length > 0 ? note + "; " : "") + $"{r.Diverged} run(s) diverged";
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Cell.Row} | {r.Cell.Column} | {m.Format(r.Cell.Thesis)} | {m.Format(r.Ours)} | {spread} | {note} |\n");
        }
        return sb.ToString();
    }

    private static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "thesis";

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
