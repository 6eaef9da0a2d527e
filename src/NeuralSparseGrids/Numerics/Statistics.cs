namespace NeuralSparseGrids.Numerics;

/// <summary>Small order statistics, shared by the training report, comparisons, sweeps and benchmarks.</summary>
public static class Statistics
{
    /// <summary>Median (mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
