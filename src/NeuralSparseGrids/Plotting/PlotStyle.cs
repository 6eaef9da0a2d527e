using ScottPlot;

namespace NeuralSparseGrids.Plotting;

/// <summary>Colours, sizes and colormap helpers shared by the plots.</summary>
internal static class PlotStyle
{
    public const int Width = 800;
    public const int Height = 600;
    public const int PanelSize = 420;

    public static readonly IColormap ValueColormap = new ScottPlot.Colormaps.Viridis();
    public static readonly IPalette ClassPalette = new ScottPlot.Palettes.Category10();

    public static Color ForClass(int label) => ClassPalette.GetColor(((label % ClassPalette.Colors.Length) + ClassPalette.Colors.Length) % ClassPalette.Colors.Length);

    /// <summary>Marker size that keeps dense clouds readable: large for a few points, small for thousands.</summary>
    public static float MarkerSize(int n) => n <= 200 ? 6 : n <= 2000 ? 4 : n <= 20000 ? 2.5f : 1.5f;

    /// <summary>
    /// The ScottPlot heatmap extent that shows a (rows, columns) matrix of cell-centred values filling
    /// [xMin, xMax] x [yMin, yMax]: ScottPlot puts the outermost cell centres on the Extent's edges, so each side is
    /// inset by half a cell; a side with a single cell keeps the full range (it has no second centre to span to).
    /// </summary>
    public static CoordinateRect CellCentredExtent(double xMin, double xMax, int columns, double yMin, double yMax, int rows)
    {
        double halfX = columns > 1 ? 0.5 * (xMax - xMin) / columns : 0, halfY = rows > 1 ? 0.5 * (yMax - yMin) / rows : 0;
        return new CoordinateRect(xMin + halfX, xMax - halfX, yMin + halfY, yMax - halfY);
    }

    public static (double min, double max) Range(ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values) { if (v < min) min = v; if (v > max) max = v; }
        if (max <= min) max = min + 1;
        return (min, max);
    }
}
