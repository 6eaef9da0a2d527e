namespace NeuralSparseGrids.Analysis;

/// <summary>
/// Area under the ROC curve of a score that should be higher for one group ("positives", e.g. in-distribution inputs)
/// than for the other: the probability that a random positive scores above a random negative, ties counting 1/2
/// (the Mann-Whitney U statistic / (n+ n-)). 1: perfect separation, 0.5: chance.
/// </summary>
public static class Auroc
{
    /// <summary>AUROC in O((n+ + n-) log(n+ + n-)) by ranking with tie groups.</summary>
    public static double Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        if (positives.Count == 0 || negatives.Count == 0) throw new ArgumentException("AUROC needs at least one score in each group.");
        if (positives.Any(double.IsNaN) || negatives.Any(double.IsNaN)) throw new ArgumentException("AUROC scores must not be NaN.");
        var all = positives.Select(s => (Score: s, Positive: true)).Concat(negatives.Select(s => (Score: s, Positive: false)))
            .OrderBy(e => e.Score).ToArray();
        double wins = 0;      // sum over positives of (#negatives below + 1/2 #negatives tied)
        long negativesBelow = 0;
        for (int start = 0; start < all.Length;)
        {
            int end = start;
            long tiedPositives = 0, tiedNegatives = 0;
            while (end < all.Length && all[end].Score == all[start].Score)
            {
                if (all[end].Positive) tiedPositives++; else tiedNegatives++;
                end++;
            }
            wins += tiedPositives * (negativesBelow + 0.5 * tiedNegatives);
            negativesBelow += tiedNegatives;
            start = end;
        }
        return wins / ((double)positives.Count * negatives.Count);
    }
}
