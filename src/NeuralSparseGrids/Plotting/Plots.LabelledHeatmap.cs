using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Heatmap of a small labelled matrix, each cell annotated with its value (thesis Fig. 3.8: log10 MSE over learning
    /// rate x lambda). Missing values (NaN) are drawn blank and annotated "—".
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="values">(rows, columns) values; row 0 is drawn at the top.</param>
    /// <param name="rowLabels">One label per row (y axis).</param>
    /// <param name="columnLabels">One label per column (x axis).</param>
    /// <param name="title">Figure title.</param>
    /// <param name="format">Format of the cell annotations.</param>
    /// <param name="colorLabel">Label of the colour bar (what the cells hold); default: the title.</param>
    public static void LabelledHeatmap(string path, double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
        string title, string format = "0.00", string? colorLabel = null)
    {
        PngOutput.CheckPath(path);
        int rows = values.GetLength(0), columns = values.GetLength(1);
        if (rows == 0 || columns == 0) throw new ArgumentException("values must have at least one row and one column.", nameof(values));
        if (rowLabels.Count != rows) throw new ArgumentException($"{rowLabels.Count} row labels for {rows} rows.", nameof(rowLabels));
        if (columnLabels.Count != columns) throw new ArgumentException($"{columnLabels.Count} column labels for {columns} columns.", nameof(columnLabels));

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = PlotStyle.ValueColormap;
        // Cell (r, c) is centred at (c + 0.5, rows - r - 0.5): the matrix fills [0, columns] x [0, rows].
        heatmap.Extent = PlotStyle.CellCentredExtent(0, columns, columns, 0, rows, rows);
        plot.Add.ColorBar(heatmap).Label = colorLabel ?? title ?? "";
        var c = System.Globalization.CultureInfo.InvariantCulture;
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < columns; k++)
            {
                double v = values[r, k];
                var text = plot.Add.Text(double.IsFinite(v) ? v.ToString(format, c) : "—", k + 0.5, rows - r - 0.5);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = Colors.White;
                text.LabelFontSize = 14;
            }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(k => k + 0.5).ToArray(), [.. columnLabels]);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => rows - r - 0.5).ToArray(), [.. rowLabels]);
        plot.Axes.SetLimits(0, columns, 0, rows);
        plot.Title(title ?? "");
        PngOutput.Save(plot, path, PlotStyle.Width, PlotStyle.Height);
    }
}
