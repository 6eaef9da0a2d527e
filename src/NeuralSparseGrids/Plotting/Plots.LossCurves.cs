using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Training and validation curves over epochs (thesis Figs. 3.23, 3.24): x = 1, 2, ... per value.
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="train">Training values per epoch, length &gt;= 1.</param>
    /// <param name="validation">Validation values per epoch (any length, may be empty or null).</param>
    /// <param name="yLabel">Label of the y axis, e.g. "MSE" or "accuracy".</param>
    /// <param name="logScale">Plot log10 of the values with decade ticks; all values must then be &gt; 0.</param>
    public static void LossCurves(string path, double[] train, double[]? validation, string yLabel, bool logScale)
    {
        PngOutput.CheckPath(path);
        PlotInputs.NotEmpty(train, nameof(train));
        validation ??= Array.Empty<double>();
        PlotInputs.Finite(train, nameof(train));
        PlotInputs.Finite(validation, nameof(validation));
        if (logScale)
        {
            foreach (var (values, name) in new[] { (train, nameof(train)), (validation, nameof(validation)) })
                for (int i = 0; i < values.Length; i++)
                    if (values[i] <= 0) throw new ArgumentException($"{name}[{i}] is {values[i]}; a log scale needs values > 0.", name);
        }

        var plot = new Plot();
        AddCurve(plot, train, "train", Colors.C0, logScale);
        if (validation.Length > 0) AddCurve(plot, validation, "validation", Colors.C1, logScale);
        if (logScale)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => $"1e{y:0}",
            };
        }
        plot.XLabel("epoch");
        plot.YLabel(logScale ? $"{yLabel} (log scale)" : yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        PngOutput.Save(plot, path, PlotStyle.Width, PlotStyle.Height);
    }

    private static void AddCurve(Plot plot, double[] values, string label, Color color, bool log)
    {
        var xs = Enumerable.Range(1, values.Length).Select(i => (double)i).ToArray();
        var ys = log ? values.Select(Math.Log10).ToArray() : (double[])values.Clone();
        var scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = values.Length <= 50 ? 5 : 0;
    }
}
