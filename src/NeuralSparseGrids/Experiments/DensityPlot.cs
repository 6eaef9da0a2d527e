using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Plotting;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// The picture of a 2-D density head: P(c) f_c(h) of the two classes over the latent box, drawn signed
/// (class 1 positive, class 0 negative, so both class densities are visible in one map), with the decision boundary
/// argmax_c P(c) f_c(h) marked by points and the training embeddings optional.
/// </summary>
public static class DensityPlot
{
    /// <summary>File name inside a run directory.</summary>
    public const string FileName = "density-head.png";

    /// <summary>Writes the plot for a 2-D, two-class density head over the box <paramref name="extent"/> at <paramref name="resolution"/>^2 cells.</summary>
    public static void Write(string path, DensityHead head, Extent2D extent, int resolution = 160)
    {
        var densities = head.Classifier.Densities;
        if (densities.Grid.Dim != 2 || head.Classifier.Classes != 2)
            throw new ArgumentException($"The density plot needs a 2-D latent space and two classes; this head has d = {densities.Grid.Dim} and {head.Classifier.Classes} classes.");
        int res = resolution;
        var x = new double[res * res * 2];
        for (int r = 0; r < res; r++)
            for (int c = 0; c < res; c++)
            {
                x[2 * (r * res + c)] = extent.XMin + (c + 0.5) * (extent.XMax - extent.XMin) / res;
                x[2 * (r * res + c) + 1] = extent.YMin + (r + 0.5) * (extent.YMax - extent.YMin) / res;
            }
        var f = head.Classifier.ClassDensities(x);
        var priors = head.Classifier.Priors;
        var signed = new double[res * res];
        for (int i = 0; i < signed.Length; i++) signed[i] = priors[1] * f[2 * i + 1] - priors[0] * f[2 * i];
        // Decision boundary: cells whose sign differs from the right or upper neighbour (both densities non-zero around).
        var boundary = new List<float>();
        for (int r = 0; r < res; r++)
            for (int c = 0; c < res; c++)
            {
                int i = r * res + c;
                bool right = c + 1 < res && Math.Sign(signed[i]) * Math.Sign(signed[i + 1]) < 0;
                bool up = r + 1 < res && Math.Sign(signed[i]) * Math.Sign(signed[i + res]) < 0;
                if (right || up) { boundary.Add((float)x[2 * i]); boundary.Add((float)x[2 * i + 1]); }
            }
        Plots.Heatmap(path, signed, extent, "Density head: P(1) f_1 - P(0) f_0 (boundary in white)", boundary.ToArray());
    }
}
