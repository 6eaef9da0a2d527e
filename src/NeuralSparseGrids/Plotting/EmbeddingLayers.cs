using ScottPlot;

namespace NeuralSparseGrids.Plotting;

/// <summary>Adds 2-d embeddings, coloured by class or by value, and grid points to a plot.</summary>
internal static class EmbeddingLayers
{
    private const int ColorBins = 64;

    /// <summary>
    /// Points of h (n, 2); by class (legend with <paramref name="classNames"/>, e.g. "-1" and "1", else "class k"),
    /// by value (colour bins, returns the colour axis) or plain.
    /// </summary>
    public static IHasColorAxis? AddPoints(Plot plot, float[] h, double[]? colorValues, int[]? classLabels, bool legend, IReadOnlyList<string>? classNames = null)
    {
        int n = h.Length / 2;
        float size = PlotStyle.MarkerSize(n);
        if (classLabels != null)
        {
            foreach (var group in Enumerable.Range(0, n).GroupBy(i => classLabels[i]).OrderBy(g => g.Key))
            {
                var m = plot.Add.Markers(group.Select(i => (double)h[2 * i]).ToArray(), group.Select(i => (double)h[2 * i + 1]).ToArray(),
                    MarkerShape.FilledCircle, size, PlotStyle.ForClass(group.Key).WithAlpha(0.75));
                if (legend) m.LegendText = classNames != null && group.Key < classNames.Count ? classNames[group.Key] : $"class {group.Key}";
            }
            return null;
        }
        if (colorValues != null)
        {
            var (min, max) = PlotStyle.Range(colorValues);
            foreach (var group in Enumerable.Range(0, n).GroupBy(i => Math.Min(ColorBins - 1, (int)((colorValues[i] - min) / (max - min) * ColorBins))))
            {
                var color = PlotStyle.ValueColormap.GetColor((group.Key + 0.5) / ColorBins);
                plot.Add.Markers(group.Select(i => (double)h[2 * i]).ToArray(), group.Select(i => (double)h[2 * i + 1]).ToArray(),
                    MarkerShape.FilledCircle, size, color.WithAlpha(0.85));
            }
            return new ValueColorAxis(PlotStyle.ValueColormap, min, max);
        }
        plot.Add.Markers(Enumerable.Range(0, n).Select(i => (double)h[2 * i]).ToArray(), Enumerable.Range(0, n).Select(i => (double)h[2 * i + 1]).ToArray(),
            MarkerShape.FilledCircle, size, Colors.C0.WithAlpha(0.6));
        return null;
    }

    /// <summary>Grid points (m, 2) as small grey crosses; activated ones (mask) as larger red squares.</summary>
    public static void AddGridPoints(Plot plot, double[] gridPoints, bool[]? activated)
    {
        int m = gridPoints.Length / 2;
        var idle = Enumerable.Range(0, m).Where(i => activated is null || !activated[i]).ToArray();
        var on = activated is null ? Array.Empty<int>() : Enumerable.Range(0, m).Where(i => activated[i]).ToArray();
        if (idle.Length > 0)
        {
            var g = plot.Add.Markers(idle.Select(i => gridPoints[2 * i]).ToArray(), idle.Select(i => gridPoints[2 * i + 1]).ToArray(),
                MarkerShape.Cross, 6, Colors.Gray);
            g.LegendText = activated is null ? "grid points" : "grid points (not activated)";
        }
        if (on.Length > 0)
        {
            var a = plot.Add.Markers(on.Select(i => gridPoints[2 * i]).ToArray(), on.Select(i => gridPoints[2 * i + 1]).ToArray(),
                MarkerShape.FilledSquare, 6, Colors.Red);
            a.LegendText = "activated grid points";
        }
    }
}
