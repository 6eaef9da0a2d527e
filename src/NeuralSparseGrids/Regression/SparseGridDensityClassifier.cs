using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Regression;

/// <summary>
/// Classification by density estimation (Peherstorfer, Franzelin, Pflüger and Bungartz 2014): one sparse grid density
/// f_c per class on a shared grid, class priors P(c) from the training counts, and the Bayes rule
/// argmax_c P(c) f_c(x). The mixture sum_c P(c) f_c(x) is the estimated density of the inputs, a graded
/// "how typical is x" score.
/// </summary>
public sealed class SparseGridDensityClassifier
{
    /// <summary>Wraps fitted class densities and priors.</summary>
    public SparseGridDensityClassifier(SparseGridDensity densities, double[] priors)
    {
        ArgumentNullException.ThrowIfNull(densities);
        ArgumentNullException.ThrowIfNull(priors);
        if (priors.Length != densities.Count) throw new ArgumentException($"{priors.Length} priors for {densities.Count} class densities.", nameof(priors));
        if (priors.Any(p => !(p >= 0)) || Math.Abs(priors.Sum() - 1) > 1e-9) throw new ArgumentException("Priors must be non-negative and sum to 1.", nameof(priors));
        Densities = densities; Priors = priors;
    }

    /// <summary>The class densities (one column per class).</summary>
    public SparseGridDensity Densities { get; }

    /// <summary>Class priors P(c), the training class shares.</summary>
    public double[] Priors { get; }

    /// <summary>Number of classes.</summary>
    public int Classes => Priors.Length;

    /// <summary>Fits one density per class on the rows of <paramref name="x"/> (rows, dim) in [0, 1]^d with labels in [0, classes).</summary>
    /// <param name="grid">The grid shared by the class densities.</param>
    /// <param name="x">Training rows (rows, dim) row-major in [0, 1]^d.</param>
    /// <param name="labels">Class per row in [0, <paramref name="classes"/>); every class needs rows.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="options">Density settings; defaults when null.</param>
    /// <param name="validation">Validation rows (rows_v, dim) to choose lambda (see <see cref="SparseGridDensity"/>), or null.</param>
    /// <param name="validationLabels">Class of each validation row.</param>
    public static SparseGridDensityClassifier Fit(SparseGrid grid, double[] x, int[] labels, int classes, SparseGridDensityOptions? options = null,
        double[]? validation = null, int[]? validationLabels = null)
    {
        var densities = SparseGridDensity.FitGroups(grid, x, labels, classes, options, validation, validationLabels);
        var priors = new double[classes];
        foreach (int c in labels) priors[c] += 1.0 / labels.Length;
        double sum = priors.Sum();
        return new SparseGridDensityClassifier(densities, priors.Select(p => p / sum).ToArray());
    }

    /// <summary>Clamped class densities max(f_c, 0) at <paramref name="x"/>: (rows, classes) row-major.</summary>
    public double[] ClassDensities(double[] x) => Densities.Evaluate(x);

    /// <summary>The mixture density sum_c P(c) max(f_c(x), 0) per row, from <see cref="ClassDensities"/>' output.</summary>
    public double[] Mixture(double[] classDensities)
    {
        int rows = classDensities.Length / Classes;
        var result = new double[rows];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < Classes; c++) result[i] += Priors[c] * classDensities[i * Classes + c];
        return result;
    }

    /// <summary>
    /// Posterior class probabilities P(c | x) = P(c) f_c(x) / sum_k P(k) f_k(x), (rows, classes) row-major, from
    /// <see cref="ClassDensities"/>' output. Where every class density is zero (far from all data) the posterior is
    /// undefined: the row is NaN, and <see cref="Predict"/> defers to a fallback.
    /// </summary>
    public double[] Posteriors(double[] classDensities)
    {
        var mixture = Mixture(classDensities);
        var result = new double[classDensities.Length];
        for (int i = 0; i < mixture.Length; i++)
            for (int c = 0; c < Classes; c++)
                result[i * Classes + c] = mixture[i] > 0 ? Priors[c] * classDensities[i * Classes + c] / mixture[i] : double.NaN;
        return result;
    }

    /// <summary>
    /// argmax_c P(c) f_c(x) per row, from <see cref="ClassDensities"/>' output. Rows where every class density is zero
    /// take <paramref name="fallback"/>[row] (e.g. the softmax head's label) when given, else the most likely class a
    /// priori.
    /// </summary>
    public int[] Predict(double[] classDensities, int[]? fallback = null)
    {
        int rows = classDensities.Length / Classes;
        int prior = Array.IndexOf(Priors, Priors.Max());
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            int best = -1;
            double bestValue = 0;
            for (int c = 0; c < Classes; c++)
            {
                double v = Priors[c] * classDensities[i * Classes + c];
                if (v > bestValue) { bestValue = v; best = c; }
            }
            labels[i] = best >= 0 ? best : fallback?[i] ?? prior;
        }
        return labels;
    }
}
