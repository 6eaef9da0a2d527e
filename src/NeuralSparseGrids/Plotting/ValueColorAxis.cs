using ScottPlot;

namespace NeuralSparseGrids.Plotting;

/// <summary>A colour axis for a colorbar of point colours that do not come from a heatmap.</summary>
internal sealed class ValueColorAxis(IColormap colormap, double min, double max) : IHasColorAxis
{
    public IColormap Colormap { get; set; } = colormap;

    public ScottPlot.Range GetRange() => new(min, max);
}
