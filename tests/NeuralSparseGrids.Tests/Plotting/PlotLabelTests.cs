using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Plotting;
using ScottPlot;

namespace NeuralSparseGrids.Tests.Plotting;

/// <summary>What a reader sees on the plots: the user's class names in legends, labelled colour bars.</summary>
public class PlotLabelTests
{
    private static readonly float[] H = [0.1f, 0.2f, 0.8f, 0.7f, 0.3f, 0.9f, 0.6f, 0.4f];

    [Fact]
    public void LegendShowsTheUsersClassNamesForLabelsMinusOneAndOne()
    {
        // Labels -1 and 1 of a file are classes 0 and 1 inside; the legend must say "-1" and "1", not "class 0".
        var plot = Plots.Embeddings2DPlot(H, classLabels: [0, 1, 0, 1], classNames: ["-1", "1"]);
        var legends = plot.GetPlottables<ScottPlot.Plottables.Markers>().Select(m => m.LegendText).ToArray();
        Assert.Equal(["-1", "1"], legends);
        Assert.Empty(plot.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>());
    }

    [Fact]
    public void WithoutClassNamesTheLegendNumbersTheClasses()
    {
        var plot = Plots.Embeddings2DPlot(H, classLabels: [0, 1, 2, 1]);
        Assert.Equal(["class 0", "class 1", "class 2"], plot.GetPlottables<ScottPlot.Plottables.Markers>().Select(m => m.LegendText));
    }

    [Theory]
    [InlineData("medv", "medv")]
    [InlineData(null, "value")]
    public void ColourBarOfValueColouredEmbeddingsIsLabelled(string? label, string expected)
    {
        var plot = Plots.Embeddings2DPlot(H, colorValues: [1, 2, 3, 4], colorLabel: label);
        Assert.Equal(expected, Assert.Single(plot.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>()).Label);
    }

    [Theory]
    [InlineData("predicted medv", "predicted medv")]
    [InlineData(null, "u(h)")]
    public void HeatmapColourBarIsLabelledWithTheValuesOrTheTitle(string? label, string expected)
    {
        var plot = Plots.HeatmapPlot(new double[16], Extent2D.Unit, "u(h)", colorLabel: label);
        Assert.Equal(expected, Assert.Single(plot.Axes.GetPanels().OfType<ScottPlot.Panels.ColorBar>()).Label);
    }
}
