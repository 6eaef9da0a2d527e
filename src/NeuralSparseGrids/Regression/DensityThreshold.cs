namespace NeuralSparseGrids.Regression;

/// <summary>
/// The out-of-distribution threshold rule: an input is flagged when its density score is below the q-quantile of the
/// scores of held-out in-distribution data (the validation split), so that a share q of typical inputs is flagged.
/// </summary>
public static class DensityThreshold
{
    /// <summary>The default share of validation inputs below the threshold: 1 %.</summary>
    public const double DefaultQuantile = 0.01;

    /// <summary>
    /// The q-quantile of <paramref name="scores"/> with linear interpolation between order statistics
    /// (Hyndman-Fan type 7, numpy's default): sorted s, position q (n - 1), interpolated. q = 0 gives the minimum
    /// (nothing of the data flagged), q = 1 the maximum.
    /// </summary>
    public static double Quantile(IReadOnlyList<double> scores, double q)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0) throw new ArgumentException("The threshold needs at least one validation score.", nameof(scores));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "The quantile must be in [0, 1].");
        if (scores.Any(double.IsNaN)) throw new ArgumentException("Validation scores hold NaN.", nameof(scores));
        var sorted = scores.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        if (below >= sorted.Length - 1) return sorted[^1];
        return sorted[below] + (position - below) * (sorted[below + 1] - sorted[below]);
    }

    /// <summary>Flags: true where score &lt; threshold.</summary>
    public static bool[] Flag(IReadOnlyList<double> scores, double threshold) => scores.Select(s => s < threshold).ToArray();
}
