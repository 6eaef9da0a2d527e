namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Nonparametric "how typical is this embedding" scores on a set of reference embeddings (the training embeddings of a
/// frozen encoder): a Gaussian kernel density estimate and the distance to the k-th nearest reference row. They are
/// the yardstick for the density head's out-of-distribution score (`nsg bench ood`): with enough reference rows a
/// kernel density estimate with a bandwidth chosen on held-out rows is close to the best density any method can learn
/// from those rows, so when even it cannot tell shifted inputs from typical ones, the embeddings (the encoder), not the
/// sparse grid density, are the limit. Brute force, O(reference rows * rows * dim), parallel over rows; an analysis
/// tool, not part of a model.
/// </summary>
public static class LatentNeighbourScores
{
    /// <summary>
    /// log of the Gaussian kernel density estimate f_h(x) = (1/M) sum_i N(x; x_i, h^2 I) at every row of
    /// <paramref name="x"/>: length rows. Per class with priors M_c / M this is also the mixture of the class estimates.
    /// </summary>
    /// <param name="reference">Reference rows (M, dim) row-major.</param>
    /// <param name="x">Rows to score (rows, dim) row-major.</param>
    /// <param name="dim">Columns.</param>
    /// <param name="bandwidth">Kernel standard deviation h &gt; 0.</param>
    public static double[] KernelLogDensity(double[] reference, double[] x, int dim, double bandwidth)
    {
        int m = Check(reference, x, dim);
        if (!(bandwidth > 0) || !double.IsFinite(bandwidth)) throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "The bandwidth must be finite and > 0.");
        double inverse = 1 / (2 * bandwidth * bandwidth);
        double constant = -Math.Log(m) - 0.5 * dim * Math.Log(2 * Math.PI * bandwidth * bandwidth);
        var result = new double[x.Length / dim];
        Parallel.For(0, result.Length, () => new double[m], (row, _, distances) =>
        {
            SquaredDistances(reference, x, row, dim, distances);
            double least = distances.Min(), sum = 0;
            // log-sum-exp about the nearest row: far rows underflow without losing the result.
            foreach (double s in distances) sum += Math.Exp(-(s - least) * inverse);
            result[row] = constant - least * inverse + Math.Log(sum);
            return distances;
        }, _ => { });
        return result;
    }

    /// <summary>
    /// The bandwidth of <see cref="KernelLogDensity"/> with the largest mean log-density of the held-out
    /// <paramref name="validation"/> rows (maximum likelihood cross-validation), among Scott's rule
    /// h_0 = sigma M^(-1/(dim + 4)) (sigma the mean per-column standard deviation) times 2^-5 ... 2^1.
    /// </summary>
    /// <returns>The chosen bandwidth and every candidate with its mean held-out log-density.</returns>
    public static (double Bandwidth, IReadOnlyList<(double Bandwidth, double MeanLogDensity)> Candidates) ChooseBandwidth(double[] reference, double[] validation, int dim)
    {
        int m = Check(reference, validation, dim);
        double sigma = 0;
        for (int j = 0; j < dim; j++)
        {
            double mean = 0, square = 0;
            for (int i = 0; i < m; i++) { double v = reference[i * dim + j]; mean += v; square += v * v; }
            mean /= m;
            sigma += Math.Sqrt(Math.Max(0, square / m - mean * mean)) / dim;
        }
        if (!(sigma > 0)) throw new ArgumentException("The reference rows do not vary; no bandwidth can be chosen.", nameof(reference));
        double scott = sigma * Math.Pow(m, -1.0 / (dim + 4));
        var candidates = Enumerable.Range(-5, 7).Select(e => scott * Math.Pow(2, e))
            .Select(h => (Bandwidth: h, MeanLogDensity: KernelLogDensity(reference, validation, dim, h).Average())).ToArray();
        return (candidates.MaxBy(c => c.MeanLogDensity).Bandwidth, candidates);
    }

    /// <summary>Minus the Euclidean distance from every row of <paramref name="x"/> to its k-th nearest reference row (higher = more typical): length rows.</summary>
    public static double[] NegativeNeighbourDistance(double[] reference, double[] x, int dim, int k)
    {
        int m = Check(reference, x, dim);
        if (k < 1 || k > m) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {m}] (the reference rows).");
        var result = new double[x.Length / dim];
        Parallel.For(0, result.Length, () => new double[m], (row, _, distances) =>
        {
            SquaredDistances(reference, x, row, dim, distances);
            Array.Sort(distances);
            result[row] = -Math.Sqrt(distances[k - 1]);
            return distances;
        }, _ => { });
        return result;
    }

    private static void SquaredDistances(double[] reference, double[] x, int row, int dim, double[] distances)
    {
        var point = x.AsSpan(row * dim, dim);
        for (int i = 0; i < distances.Length; i++)
        {
            var r = reference.AsSpan(i * dim, dim);
            double s = 0;
            for (int j = 0; j < dim; j++) { double t = r[j] - point[j]; s += t * t; }
            distances[i] = s;
        }
    }

    private static int Check(double[] reference, double[] x, int dim)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(x);
        if (dim < 1 || reference.Length % dim != 0 || x.Length % dim != 0 || reference.Length == 0)
            throw new ArgumentException($"reference and x must be non-empty (rows, {dim}) row-major; got lengths {reference.Length} and {x.Length}.");
        return reference.Length / dim;
    }
}
