namespace NeuralSparseGrids.Regression;

/// <summary>
/// Min-max scaling of inputs into [0, 1]^d, fitted on training data and kept with a model:
/// z_j = (x_j - Min_j) / (Max_j - Min_j), clamped into [0, 1]. A constant training column (Max_j == Min_j) maps to 0.5.
/// </summary>
/// <param name="Min">Per-dimension minimum of the training inputs, length dim.</param>
/// <param name="Max">Per-dimension maximum of the training inputs, length dim.</param>
public sealed record InputScaling(double[] Min, double[] Max)
{
    /// <summary>Number of input dimensions.</summary>
    public int Dim => Min.Length;

    /// <summary>Fits the per-dimension minimum and maximum of <paramref name="x"/>, (rows, dim) row-major.</summary>
    public static InputScaling Fit(double[] x, int dim)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The input dimension must be at least 1.");
        if (x.Length == 0 || x.Length % dim != 0) throw new ArgumentException($"x must be (rows, {dim}) row-major with rows >= 1, got length {x.Length}.", nameof(x));
        var min = Enumerable.Repeat(double.PositiveInfinity, dim).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, dim).ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            if (!double.IsFinite(v)) throw new ArgumentException($"x holds a non-finite value {v} at row {i / dim}, column {i % dim}.", nameof(x));
            int j = i % dim;
            if (v < min[j]) min[j] = v;
            if (v > max[j]) max[j] = v;
        }
        return new InputScaling(min, max);
    }

    /// <summary>
    /// Scales <paramref name="x"/>, (rows, dim) row-major, into a new (rows, dim) array in [0, 1]^d. Values outside the
    /// training range are clamped to 0 or 1, i.e. the model is extended constantly in the normal direction.
    /// </summary>
    public double[] Transform(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length % Dim != 0) throw new ArgumentException($"x must be (rows, {Dim}) row-major, got length {x.Length}.", nameof(x));
        var z = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int j = i % Dim;
            double range = Max[j] - Min[j];
            double v = range > 0 ? (x[i] - Min[j]) / range : 0.5;
            if (double.IsNaN(v)) throw new ArgumentException($"x holds NaN at row {i / Dim}, column {j}.", nameof(x));
            z[i] = Math.Clamp(v, 0, 1);
        }
        return z;
    }
}
