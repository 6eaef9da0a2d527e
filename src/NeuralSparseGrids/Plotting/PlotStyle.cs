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

    public static (double min, double max) Range(ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in values) { if (v < min) min = v; if (v > max) max = v; }
        if (max <= min) max = min + 1;
        return (min, max);
    }
}
