using NeuralSparseGrids.Analysis;
using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Heatmap of a function on a 2-d latent space (thesis Figs. 3.6, 3.18), with a colorbar and optional points on top.
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="values">Row-major (res, res) values as produced by <see cref="LatentFunctionSampler"/>: row 0 is the bottom (smallest y).</param>
    /// <param name="extent">The rectangle the values cover.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="overlayPoints">Points to draw on top, row-major (k, 2) (e.g. embeddings), or null.</param>
    /// <param name="colorLabel">Label of the colour bar (what the values are); default: the title.</param>
    public static void Heatmap(string path, double[] values, Extent2D extent, string title, float[]? overlayPoints = null, string? colorLabel = null)
    {
        PngOutput.CheckPath(path);
        PngOutput.Save(HeatmapPlot(values, extent, title, overlayPoints, colorLabel), path, PlotStyle.Width, PlotStyle.Height);
    }

    /// <summary>The plot <see cref="Heatmap"/> saves (same arguments but the path), for tests to inspect its labels.</summary>
    internal static Plot HeatmapPlot(double[] values, Extent2D extent, string title, float[]? overlayPoints = null, string? colorLabel = null)
    {
        PlotInputs.NotEmpty(values, nameof(values));
        int res = (int)Math.Round(Math.Sqrt(values.Length));
        if (res * res != values.Length)
            throw new ArgumentException($"values must be a square (res, res) array; its length {values.Length} is not a square number.", nameof(values));
        PlotInputs.Finite(values, nameof(values));
        extent.Validate(nameof(extent));
        if (overlayPoints != null)
        {
            PlotInputs.Rows(overlayPoints, 2, nameof(overlayPoints));
            PlotInputs.Finite(overlayPoints, nameof(overlayPoints));
        }

        // ScottPlot draws row 0 of the matrix at the top; ours is the bottom row.
        var matrix = new double[res, res];
        for (int r = 0; r < res; r++)
            for (int c = 0; c < res; c++)
                matrix[res - 1 - r, c] = values[r * res + c];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(matrix);
        heatmap.Colormap = PlotStyle.ValueColormap;
        // The values are sampled at cell centres.
        heatmap.Extent = PlotStyle.CellCentredExtent(extent.XMin, extent.XMax, res, extent.YMin, extent.YMax, res);
        plot.Add.ColorBar(heatmap).Label = colorLabel ?? title ?? "";
        if (overlayPoints is { Length: > 0 })
        {
            int k = overlayPoints.Length / 2;
            plot.Add.Markers(Enumerable.Range(0, k).Select(i => (double)overlayPoints[2 * i]).ToArray(),
                Enumerable.Range(0, k).Select(i => (double)overlayPoints[2 * i + 1]).ToArray(),
                MarkerShape.FilledCircle, PlotStyle.MarkerSize(k), Colors.White.WithAlpha(0.8));
        }
        plot.Title(title ?? "");
        plot.XLabel("h1");
        plot.YLabel("h2");
        plot.Axes.SetLimits(extent.XMin, extent.XMax, extent.YMin, extent.YMax);
        return plot;
    }
}
