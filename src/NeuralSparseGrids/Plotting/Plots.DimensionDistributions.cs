using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Per-dimension distributions of d-dimensional embeddings as violin plots (thesis Figs. 3.21, 3.29): dimension j
    /// on the x axis, the value on the y axis; each violin is a Gaussian kernel density estimate (Silverman's bandwidth)
    /// scaled to the same maximum width, with the median (black bar) and interquartile range (thick line).
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="h">Embeddings, row-major (n, d), n &gt;= 1.</param>
    /// <param name="d">Latent dimension d &gt;= 1.</param>
    /// <param name="title">Figure title.</param>
    /// <param name="yRange">Value axis limits (e.g. (0, 1) for rescaled embeddings); default: the data's range.</param>
    public static void DimensionDistributions(string path, float[] h, int d, string title = "", (double Min, double Max)? yRange = null)
    {
        PngOutput.CheckPath(path);
        PlotInputs.NotEmpty(h, nameof(h));
        int n = PlotInputs.Rows(h, d, nameof(h));
        PlotInputs.Finite(h, nameof(h));
        if (yRange is { } yr && !(yr.Max > yr.Min)) throw new ArgumentException($"yRange ({yr.Min}, {yr.Max}) must have Min < Max.", nameof(yRange));

        var plot = new Plot();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int j = 0; j < d; j++)
        {
            var column = new double[n];
            for (int i = 0; i < n; i++) column[i] = h[i * d + j];
            Array.Sort(column);
            lo = Math.Min(lo, column[0]);
            hi = Math.Max(hi, column[^1]);
            AddViolin(plot, j, column, PlotStyle.ForClass(j));
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, d).Select(j => (double)j).ToArray(), Enumerable.Range(1, d).Select(j => $"h{j}").ToArray());
        var (yMin, yMax) = yRange ?? (lo - 0.05 * Math.Max(hi - lo, 1e-3), hi + 0.05 * Math.Max(hi - lo, 1e-3));
        plot.Axes.SetLimits(-0.6, d - 0.4, yMin, yMax);
        plot.Title(title ?? "");
        plot.XLabel("latent dimension");
        plot.YLabel("value");
        PngOutput.Save(plot, path, Math.Max(PlotStyle.Width, 90 * d), PlotStyle.Height);
    }

    private static void AddViolin(Plot plot, int x, double[] sorted, Color color)
    {
        const int Steps = 80;
        const double HalfWidth = 0.4;
        int n = sorted.Length;
        double mean = sorted.Average();
        double sd = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / n);
        double iqr = Quantile(sorted, 0.75) - Quantile(sorted, 0.25);
        double spread = Math.Min(sd, iqr > 0 ? iqr / 1.34 : sd);
        double bandwidth = 0.9 * (spread > 0 ? spread : Math.Max(Math.Abs(mean), 1) * 1e-3) * Math.Pow(n, -0.2);
        double y0 = sorted[0], y1 = sorted[^1];
        if (y1 - y0 < 1e-12) { y0 -= bandwidth; y1 += bandwidth; }
        var ys = new double[Steps + 1];
        var density = new double[Steps + 1];
        for (int s = 0; s <= Steps; s++)
        {
            ys[s] = y0 + (y1 - y0) * s / Steps;
            double sum = 0;
            // Only points within 4 bandwidths matter; sorted input allows a window scan.
            int start = LowerBound(sorted, ys[s] - 4 * bandwidth);
            for (int i = start; i < n && sorted[i] <= ys[s] + 4 * bandwidth; i++)
            {
                double t = (ys[s] - sorted[i]) / bandwidth;
                sum += Math.Exp(-0.5 * t * t);
            }
            density[s] = sum;
        }
        double peak = density.Max();
        if (peak <= 0) peak = 1;
        var outline = new List<Coordinates>(2 * Steps + 2);
        for (int s = 0; s <= Steps; s++) outline.Add(new Coordinates(x - HalfWidth * density[s] / peak, ys[s]));
        for (int s = Steps; s >= 0; s--) outline.Add(new Coordinates(x + HalfWidth * density[s] / peak, ys[s]));
        var polygon = plot.Add.Polygon(outline.ToArray());
        polygon.FillColor = color.WithAlpha(0.45);
        polygon.LineColor = color;
        polygon.LineWidth = 1;

        var quartiles = plot.Add.Line(x, Quantile(sorted, 0.25), x, Quantile(sorted, 0.75));
        quartiles.LineWidth = 4;
        quartiles.LineColor = Colors.Black.WithAlpha(0.7);
        double median = Quantile(sorted, 0.5);
        var bar = plot.Add.Line(x - 0.12, median, x + 0.12, median);
        bar.LineWidth = 2;
        bar.LineColor = Colors.Black;
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        return i + 1 < sorted.Length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
