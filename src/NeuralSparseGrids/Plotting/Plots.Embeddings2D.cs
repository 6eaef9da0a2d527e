using NeuralSparseGrids.Analysis;
using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Embeddings in a 2-d latent space (thesis Figs. 3.7, 3.14, 3.17): points coloured by class (legend) or by a
    /// continuous value (colorbar), optionally with the sparse grid's points as small grey crosses and the activated
    /// ones (see <see cref="ActivatedPoints"/>) as red squares.
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="h">Embeddings, row-major (n, 2), n &gt;= 1.</param>
    /// <param name="colorValues">Value per embedding (length n) for a continuous colour, or null.</param>
    /// <param name="classLabels">Class per embedding (length n), or null; takes precedence over colorValues.</param>
    /// <param name="gridPoints">Grid point coordinates, row-major (m, 2) (e.g. <c>SparseGrid.AllCoordinates()</c>), or null.</param>
    /// <param name="activatedMask">Per grid point (length m): activated or not; needs gridPoints.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="extent">Axis limits; default: the unit square when grid points are shown, else the data's bounding box.</param>
    /// <param name="classNames">Legend text per class (the user's labels), or null for "class k".</param>
    /// <param name="colorLabel">Label of the colour bar (what colorValues are, e.g. the target's name).</param>
    public static void Embeddings2D(string path, float[] h, double[]? colorValues = null, int[]? classLabels = null,
        double[]? gridPoints = null, bool[]? activatedMask = null, string title = "", Extent2D? extent = null,
        IReadOnlyList<string>? classNames = null, string? colorLabel = null)
    {
        PngOutput.CheckPath(path);
        var plot = Embeddings2DPlot(h, colorValues, classLabels, gridPoints, activatedMask, title, extent, classNames, colorLabel);
        PngOutput.Save(plot, path, PlotStyle.Width, PlotStyle.Height);
    }

    /// <summary>The plot <see cref="Embeddings2D"/> saves (same arguments but the path), for tests to inspect legends and labels.</summary>
    internal static Plot Embeddings2DPlot(float[] h, double[]? colorValues = null, int[]? classLabels = null,
        double[]? gridPoints = null, bool[]? activatedMask = null, string title = "", Extent2D? extent = null,
        IReadOnlyList<string>? classNames = null, string? colorLabel = null)
    {
        PlotInputs.NotEmpty(h, nameof(h));
        int n = PlotInputs.Rows(h, 2, nameof(h));
        PlotInputs.Finite(h, nameof(h));
        if (colorValues != null)
        {
            if (colorValues.Length != n) throw new ArgumentException($"colorValues has {colorValues.Length} values for {n} embeddings.", nameof(colorValues));
            PlotInputs.Finite(colorValues, nameof(colorValues));
        }
        if (classLabels != null && classLabels.Length != n)
            throw new ArgumentException($"classLabels has {classLabels.Length} values for {n} embeddings.", nameof(classLabels));
        int m = gridPoints is null ? 0 : PlotInputs.Rows(gridPoints, 2, nameof(gridPoints));
        if (activatedMask != null)
        {
            if (gridPoints is null) throw new ArgumentException("activatedMask needs gridPoints.", nameof(activatedMask));
            if (activatedMask.Length != m) throw new ArgumentException($"activatedMask has {activatedMask.Length} values for {m} grid points.", nameof(activatedMask));
        }
        extent?.Validate(nameof(extent));

        var plot = new Plot();
        var colorAxis = EmbeddingLayers.AddPoints(plot, h, colorValues, classLabels, legend: true, classNames);
        // Grid points on top, so activated ones stay visible inside dense clouds.
        if (gridPoints != null) EmbeddingLayers.AddGridPoints(plot, gridPoints, activatedMask);
        if (colorAxis != null) plot.Add.ColorBar(colorAxis).Label = colorLabel ?? "value";
        plot.Title(title ?? "");
        plot.XLabel("h1");
        plot.YLabel("h2");
        var limits = extent ?? (gridPoints != null ? Extent2D.Unit : DataExtent(h));
        plot.Axes.SetLimits(limits.XMin, limits.XMax, limits.YMin, limits.YMax);
        if (classLabels != null || gridPoints != null) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Bounding box of row-major (n, 2) points, padded by 5 % (at least 0.05).</summary>
    internal static Extent2D DataExtent(IEnumerable<float[]> clouds)
    {
        double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity, y0 = double.PositiveInfinity, y1 = double.NegativeInfinity;
        foreach (var h in clouds)
            for (int i = 0; i + 1 < h.Length; i += 2)
            {
                x0 = Math.Min(x0, h[i]); x1 = Math.Max(x1, h[i]);
                y0 = Math.Min(y0, h[i + 1]); y1 = Math.Max(y1, h[i + 1]);
            }
        double px = Math.Max(0.05 * (x1 - x0), 0.05), py = Math.Max(0.05 * (y1 - y0), 0.05);
        return new Extent2D(x0 - px, x1 + px, y0 - py, y1 + py);
    }

    private static Extent2D DataExtent(float[] h) => DataExtent(new[] { h });
}
