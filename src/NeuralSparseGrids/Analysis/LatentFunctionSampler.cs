namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Evaluates a function of a 2-d latent space on a regular grid of cell centres, for heatmaps (thesis Figs. 3.6, 3.18).
/// </summary>
/// <remarks>
/// The result has shape (resolution, resolution), row-major: entry [r * resolution + c] is the value at
/// x = XMin + (c + 0.5) (XMax - XMin) / resolution, y = YMin + (r + 0.5) (YMax - YMin) / resolution, so row 0 is the
/// bottom row (smallest y) and column 0 the left column.
/// </remarks>
public static class LatentFunctionSampler
{
    /// <summary>Samples <paramref name="f"/> (called with a fresh double[2] {x, y} per point) on resolution x resolution cell centres.</summary>
    public static double[] Sample2D(Func<double[], double> f, int resolution, Extent2D extent)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Sample2DBatched(points =>
        {
            var values = new double[points.Length / 2];
            for (int i = 0; i < values.Length; i++) values[i] = f(new[] { points[2 * i], points[2 * i + 1] });
            return values;
        }, resolution, extent);
    }

    /// <summary>
    /// Samples a batch evaluator: <paramref name="evaluate"/> receives all points at once, row-major (count, 2), and
    /// must return count values (e.g. one forward pass of a sparse grid layer).
    /// </summary>
    public static double[] Sample2DBatched(Func<double[], double[]> evaluate, int resolution, Extent2D extent)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        var points = Points(resolution, extent);
        var values = evaluate(points);
        if (values is null || values.Length != resolution * resolution)
            throw new ArgumentException($"The evaluator returned {values?.Length ?? 0} values for {resolution * resolution} points.", nameof(evaluate));
        return values;
    }

    /// <summary>The cell centres, row-major (resolution * resolution, 2), in the order of the sampled values.</summary>
    public static double[] Points(int resolution, Extent2D extent)
    {
        if (resolution < 1 || resolution > 4096) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "The resolution must be in 1..4096.");
        extent.Validate(nameof(extent));
        var points = new double[2 * resolution * resolution];
        double dx = (extent.XMax - extent.XMin) / resolution, dy = (extent.YMax - extent.YMin) / resolution;
        for (int r = 0; r < resolution; r++)
            for (int c = 0; c < resolution; c++)
            {
                int i = r * resolution + c;
                points[2 * i] = extent.XMin + (c + 0.5) * dx;
                points[2 * i + 1] = extent.YMin + (r + 0.5) * dy;
            }
        return points;
    }
}
