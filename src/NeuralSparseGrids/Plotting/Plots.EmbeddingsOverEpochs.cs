using NeuralSparseGrids.Analysis;
using ScottPlot;

namespace NeuralSparseGrids.Plotting;

public static partial class Plots
{
    /// <summary>
    /// Embeddings of 2-d latent spaces at successive points of training, one panel per snapshot with its label as
    /// title, all on the same axes (thesis Figs. 3.25-3.27). Points are coloured by class when the snapshots carry
    /// class labels, else by target.
    /// </summary>
    /// <param name="path">Output PNG file.</param>
    /// <param name="snapshots">At least one snapshot, each of dimension 2 (see <see cref="EmbeddingSnapshots"/>).</param>
    /// <param name="columns">Panels per row (default: all in one row, up to 6 per row).</param>
    /// <param name="extent">Shared axis limits; default: the padded bounding box of all snapshots.</param>
    public static void EmbeddingsOverEpochs(string path, IReadOnlyList<EmbeddingSnapshot> snapshots, int? columns = null, Extent2D? extent = null)
    {
        PngOutput.CheckPath(path);
        ArgumentNullException.ThrowIfNull(snapshots);
        if (snapshots.Count == 0) throw new ArgumentException("There are no snapshots to plot.", nameof(snapshots));
        for (int i = 0; i < snapshots.Count; i++)
        {
            var s = snapshots[i] ?? throw new ArgumentException($"Snapshot {i} is null.", nameof(snapshots));
            if (s.Dim != 2) throw new ArgumentException($"Snapshot {i} ('{s.Label}') has dimension {s.Dim}; this figure needs 2-d embeddings (use DimensionDistributions for more).", nameof(snapshots));
            if (s.Count == 0) throw new ArgumentException($"Snapshot {i} ('{s.Label}') is empty.", nameof(snapshots));
            PlotInputs.Finite(s.Embeddings, $"snapshots[{i}].Embeddings");
        }
        int cols = columns ?? Math.Min(snapshots.Count, 6);
        if (cols < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "At least one column.");
        extent?.Validate(nameof(extent));
        var limits = extent ?? DataExtent(snapshots.Select(s => s.Embeddings));

        int size = PlotStyle.PanelSize;
        var panels = new List<byte[]>(snapshots.Count);
        foreach (var s in snapshots)
        {
            var plot = new Plot();
            EmbeddingLayers.AddPoints(plot, s.Embeddings, s.ClassLabels is null ? s.Targets : null, s.ClassLabels, legend: false);
            plot.Title(s.Label);
            plot.XLabel("h1");
            plot.YLabel("h2");
            plot.Axes.SetLimits(limits.XMin, limits.XMax, limits.YMin, limits.YMax);
            panels.Add(PngOutput.Render(plot, size, size));
        }
        PngOutput.CheckPath(path);
        PngOutput.Write(path, PanelComposer.Compose(panels, size, size, cols));
    }
}
