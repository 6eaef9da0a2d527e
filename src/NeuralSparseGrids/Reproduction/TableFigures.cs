using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Reproduction;

/// <summary>
/// Draws the reproduced thesis figures as PNG: for a figure "table" (id "fig...") whose rows read "GROUP rest" (e.g.
/// "LS lr=1E-3"), one annotated heatmap per group of our values over rest x column (Fig. 3.8: learning rate x lambda).
/// </summary>
public static class TableFigures
{
    /// <summary>Writes the figure's PNGs into <paramref name="dir"/>; returns their paths (none for ordinary tables).</summary>
    public static IReadOnlyList<string> Write(ReproductionResult result, string dir)
    {
        if (!result.Table.Id.StartsWith("fig", StringComparison.Ordinal)) return [];
        var files = new List<string>();
        foreach (var group in result.Cells.Where(c => c.Ours.HasValue).GroupBy(c => Split(c.Cell.Row).Group))
        {
            var rows = group.Select(c => Split(c.Cell.Row).Setting).Distinct().ToList();
            var columns = group.Select(c => c.Cell.Column).Distinct().ToList();
            var values = new double[rows.Count, columns.Count];
            for (int r = 0; r < rows.Count; r++)
                for (int k = 0; k < columns.Count; k++)
                    values[r, k] = double.NaN;
            foreach (var cell in group)
                values[rows.IndexOf(Split(cell.Cell.Row).Setting), columns.IndexOf(cell.Cell.Column)] = cell.Ours!.Value;
            string path = Path.Combine(dir, $"figure-{result.Table.Id[3..]}-{Safe(group.Key)}.png");
            string measure = group.First().Cell.Measure == Measure.Log10TestMse ? "log10 test MSE" : group.First().Cell.Measure.ToString();
            Plots.LabelledHeatmap(path, values, rows, columns, $"{result.Table.Id} {group.Key}: {measure} (ours)", colorLabel: measure);
            files.Add(path);
        }
        return files;
    }

    private static (string Group, string Setting) Split(string row)
    {
        int space = row.IndexOf(' ');
        return space < 0 ? (row, row) : (row[..space], row[(space + 1)..]);
    }

    private static string Safe(string name) => new([.. name.Select(ch => char.IsLetterOrDigit(ch) ? ch : '-')]);
}
