using ScottPlot;

namespace NeuralSparseGrids.Plotting;

/// <summary>
/// Figures of the thesis' experiments as PNG files (ScottPlot 5, rendered headless). Every method takes plain arrays,
/// validates them (<see cref="ArgumentException"/> naming the argument), and writes the PNG atomically (temporary file
/// plus rename), creating the folder if needed.
/// </summary>
public static partial class Plots
{
    /// <summary>
    /// Scatter of predicted against actual values with the line y = x (thesis Figs. 3.5, 3.13).
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="predicted">Predictions, length n &gt;= 1.</param>
    /// <param name="actual">Targets, length n.</param>
    /// <param name="title">Figure title.</param>
    public static void PredictedVsActual(string path, double[] predicted, double[] actual, string title)
    {
        PngOutput.CheckPath(path);
        PlotInputs.NotEmpty(predicted, nameof(predicted));
        PlotInputs.NotEmpty(actual, nameof(actual));
        PlotInputs.SameLength(predicted, nameof(predicted), actual, nameof(actual));
        PlotInputs.Finite(predicted, nameof(predicted));
        PlotInputs.Finite(actual, nameof(actual));

        var plot = new Plot();
        var (lo, hi) = PlotStyle.Range(predicted.Concat(actual).ToArray());
        var line = plot.Add.Line(lo, lo, hi, hi);
        line.LineColor = Colors.Red;
        line.LineWidth = 1.5f;
        line.LegendText = "y = x";
        var points = plot.Add.Markers(actual, predicted, MarkerShape.FilledCircle, PlotStyle.MarkerSize(actual.Length), Colors.C0.WithAlpha(0.6));
        points.LegendText = "samples";
        plot.Title(title ?? "");
        plot.XLabel("actual");
        plot.YLabel("predicted");
        double pad = 0.03 * (hi - lo);
        plot.Axes.SetLimits(lo - pad, hi + pad, lo - pad, hi + pad);
        plot.Axes.SquareUnits();
        plot.ShowLegend(Alignment.UpperLeft);
        PngOutput.Save(plot, path, PlotStyle.Height, PlotStyle.Height);
    }
}
