namespace NeuralSparseGrids.Numerics;

/// <summary>Small order statistics, shared by the training report, comparisons, sweeps and benchmarks.</summary>
public static class Statistics
{
    /// <summary>Median (mean of the two middle values for an even count); NaN for no values.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static double Median(IEnumerable<double> values)
    {
        // An array sort rather than LINQ's Order, compiled optimised at once: a refinement step calls this a few times
        // in a run, too few for tiered compilation to optimise it.
        var sorted = values.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
