using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Regression;

/// <summary>
/// Classification by density estimation (Peherstorfer, Franzelin, Pflüger and Bungartz 2014): one sparse grid density
/// f_c per class on a shared grid, class priors P(c) from the training counts, and the Bayes rule
/// argmax_c P(c) f_c(x). The mixture sum_c P(c) f_c(x) is the estimated density of the inputs, a graded
/// "how typical is x" score.
/// </summary>
/// <remarks>
/// <para><b>Class boxes and the background.</b> With <see cref="DensityBoxRule.PerGroup"/> each class density lives on a
/// box around its class (<see cref="DensityBox"/>) and is 0 outside it. A class's inputs can still fall outside its
/// box (new inputs beyond the training range), and 0 is a bad score there: all such inputs would tie with inputs far
/// from every class. So each class density is a two-part mixture f_c = (1 - w_c) f_c^box + w_c f_c^background, the
/// background being the same class's density on the whole unit cube (coarse, but positive wherever the class has
/// mass). The weight w_c is the estimated probability that an input of class c lies outside its box: on the held-out
/// (validation) rows of class c, (outside + 1) / (rows + 2) (Laplace's rule of succession: never 0, so every input of
/// the class keeps a graded density). Both parts integrate to 1, so f_c does too.</para>
/// </remarks>
public sealed class SparseGridDensityClassifier
{
    /// <summary>Wraps fitted class densities and priors, and with class boxes the background densities and their weights.</summary>
    public SparseGridDensityClassifier(SparseGridDensity densities, double[] priors, SparseGridDensity? background = null, double[]? backgroundWeights = null)
    {
        ArgumentNullException.ThrowIfNull(densities);
        ArgumentNullException.ThrowIfNull(priors);
        if (priors.Length != densities.Count) throw new ArgumentException($"{priors.Length} priors for {densities.Count} class densities.", nameof(priors));
        if (priors.Any(p => !(p >= 0)) || Math.Abs(priors.Sum() - 1) > 1e-9) throw new ArgumentException("Priors must be non-negative and sum to 1.", nameof(priors));
        if ((background is null) != (backgroundWeights is null)) throw new ArgumentException("Background densities and their weights come together.", nameof(backgroundWeights));
        if (background is not null && (background.Count != densities.Count || background.Grid.Dim != densities.Grid.Dim || background.Boxes is not null))
            throw new ArgumentException($"The background needs {densities.Count} densities on the whole unit cube of dimension {densities.Grid.Dim}.", nameof(background));
        if (backgroundWeights is not null && (backgroundWeights.Length != densities.Count || backgroundWeights.Any(w => !(w >= 0 && w <= 1))))
            throw new ArgumentException($"Background weights must be {densities.Count} values in [0, 1].", nameof(backgroundWeights));
        Densities = densities; Priors = priors; Background = background; BackgroundWeights = backgroundWeights;
    }

    /// <summary>The class densities (one column per class; on class boxes when <see cref="SparseGridDensity.Boxes"/> is set).</summary>
    public SparseGridDensity Densities { get; }

    /// <summary>With class boxes: each class's density on the whole unit cube, mixed in with <see cref="BackgroundWeights"/>; else null.</summary>
    public SparseGridDensity? Background { get; }

    /// <summary>With class boxes: the weight w_c of class c's background (its held-out share outside its box, see the remarks); else null.</summary>
    public double[]? BackgroundWeights { get; }

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
        priors = priors.Select(p => p / sum).ToArray();
        if (densities.Boxes is not { } boxes) return new SparseGridDensityClassifier(densities, priors);
        var background = SparseGridDensity.FitGroups(grid, x, labels, classes, (options ?? new SparseGridDensityOptions()) with { Boxes = DensityBoxRule.Global },
            validation, validationLabels);
        return new SparseGridDensityClassifier(densities, priors, background, OutsideShares(boxes, labels, validation, validationLabels, grid.Dim));
    }

    // Per class, (held-out rows outside its box + 1) / (held-out rows + 2). Without held-out rows the training rows
    // count instead (all inside their box by construction, so 1 / (rows + 2)): the rule with no rows at all, 1 / 2,
    // would let the coarse background dominate.
    private static double[] OutsideShares(IReadOnlyList<DensityBox> boxes, int[] labels, double[]? validation, int[]? validationLabels, int dim)
    {
        int classes = boxes.Count;
        var outside = new int[classes];
        var rows = new int[classes];
        if (validation is null || validationLabels is null || validationLabels.Length == 0)
            foreach (int c in labels) rows[c]++;
        else
        {
            var mapped = new double[dim];
            for (int i = 0; i < validationLabels.Length; i++)
            {
                int c = validationLabels[i];
                rows[c]++;
                if (!boxes[c].Map(validation.AsSpan(i * dim, dim), mapped)[0]) outside[c]++;
            }
        }
        return Enumerable.Range(0, classes).Select(c => (outside[c] + 1.0) / (rows[c] + 2.0)).ToArray();
    }

    /// <summary>
    /// Clamped class densities max(f_c, 0) at <paramref name="x"/>: (rows, classes) row-major; with class boxes
    /// (1 - w_c) max(f_c^box, 0) + w_c max(f_c^background, 0) (see the remarks).
    /// </summary>
    public double[] ClassDensities(double[] x)
    {
        var values = Densities.Evaluate(x);
        if (Background is null || BackgroundWeights is null) return values;
        var background = Background.Evaluate(x);
        for (int i = 0; i < values.Length; i++)
        {
            double w = BackgroundWeights[i % Classes];
            values[i] = (1 - w) * values[i] + w * background[i];
        }
        return values;
    }

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
