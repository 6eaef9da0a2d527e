namespace NeuralSparseGrids.Data;

/// <summary>A data set split into training, validation and test parts.</summary>
/// <param name="Train">Training part.</param>
/// <param name="Validation">Validation part (may have 0 rows).</param>
/// <param name="Test">Test part (may have 0 rows).</param>
public sealed record DatasetSplit(Dataset Train, Dataset Validation, Dataset Test);

/// <summary>
/// Seeded random and stratified splits. All methods return disjoint index sets into <c>0 .. n-1</c>; the same
/// inputs and seed always give the same split.
/// </summary>
/// <remarks>
/// Part sizes from fractions are computed by the largest-remainder method so that they sum to exactly
/// <c>round(n * sum(fractions))</c> (all of <c>n</c> when the fractions sum to 1). Stratified splits keep, in
/// every part, the class proportions of the whole as closely as integer counts allow (per class and part, the
/// count is the floor or ceiling of <c>classSize * partSize / n</c> except in rare capacity-bound cases), while the part sizes are still exact.
/// </remarks>
public static class DatasetSplitter
{
    /// <summary>Sizes of the parts for the given fractions of <paramref name="count"/> items (largest remainder).</summary>
    /// <param name="count">Number of items.</param>
    /// <param name="fractions">Non-negative fractions summing to at most 1 (a tolerance of 1e-9 is allowed).</param>
    public static int[] PartSizes(int count, IReadOnlyList<double> fractions)
    {
        ArgumentNullException.ThrowIfNull(fractions);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (fractions.Count == 0) throw new ArgumentException("At least one fraction is needed.", nameof(fractions));
        double sum = 0;
        foreach (double f in fractions)
        {
            if (!(f >= 0) || double.IsInfinity(f))
                throw new ArgumentOutOfRangeException(nameof(fractions), $"Fraction {f} is not a finite non-negative number.");
            sum += f;
        }
        if (sum > 1 + 1e-9) throw new ArgumentException($"Fractions sum to {sum}, more than 1.", nameof(fractions));
        int total = Math.Min(count, (int)Math.Round(count * sum));
        return LargestRemainder(total, fractions.Select(f => count * f).ToArray());
    }

    /// <summary>Seeded random split of <paramref name="count"/> items into parts of the given fractions.</summary>
    /// <param name="count">Number of items.</param>
    /// <param name="fractions">Fractions of the parts, e.g. <c>[0.6, 0.2, 0.2]</c>; they may sum to less than 1 (the rest is unused).</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>One index array per part, each in random order.</returns>
    public static int[][] RandomIndices(int count, IReadOnlyList<double> fractions, int seed) =>
        RandomIndicesByCount(count, PartSizes(count, fractions), seed);

    /// <summary>Seeded random split of <paramref name="count"/> items into parts of the given sizes.</summary>
    /// <param name="count">Number of items.</param>
    /// <param name="sizes">Size of each part; the sum must not exceed <paramref name="count"/>.</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>One index array per part, each in random order.</returns>
    public static int[][] RandomIndicesByCount(int count, IReadOnlyList<int> sizes, int seed)
    {
        CheckSizes(count, sizes);
        var perm = Enumerable.Range(0, count).ToArray();
        NormalSampler.Shuffle(perm, new Random(seed));
        var parts = new int[sizes.Count][];
        int offset = 0;
        for (int p = 0; p < sizes.Count; p++)
        {
            parts[p] = perm.AsSpan(offset, sizes[p]).ToArray();
            offset += sizes[p];
        }
        return parts;
    }

    /// <summary>Seeded stratified split of labelled items into parts of the given fractions.</summary>
    /// <param name="labels">Class label of each item (any non-negative integers).</param>
    /// <param name="fractions">Fractions of the parts, e.g. <c>[0.7, 0.15, 0.15]</c>.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <returns>One index array per part, each in random order.</returns>
    public static int[][] StratifiedIndices(IReadOnlyList<int> labels, IReadOnlyList<double> fractions, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return StratifiedIndicesByCount(labels, PartSizes(labels.Count, fractions), seed);
    }

    /// <summary>Seeded stratified split of labelled items into parts of exactly the given sizes
    /// (e.g. 8000/1000/1000 of 10,000 MNIST digits).</summary>
    /// <param name="labels">Class label of each item (non-negative integers).</param>
    /// <param name="sizes">Size of each part; the sum must not exceed the number of items.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <returns>One index array per part, each in random order.</returns>
    public static int[][] StratifiedIndicesByCount(IReadOnlyList<int> labels, IReadOnlyList<int> sizes, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int n = labels.Count;
        CheckSizes(n, sizes);
        int classCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"labels[{i}] = {labels[i]} is negative.", nameof(labels));
            classCount = Math.Max(classCount, labels[i] + 1);
        }
        var members = new List<int>[classCount];
        for (int k = 0; k < classCount; k++) members[k] = [];
        for (int i = 0; i < n; i++) members[labels[i]].Add(i);

        // Allocation matrix alloc[k, p]: floors of the ideal share, then the remaining seats per part go to the
        // classes with the largest fractional parts that still have unassigned members.
        int parts = sizes.Count;
        var alloc = new int[classCount, parts];
        var frac = new double[classCount, parts];
        var left = new int[classCount];
        for (int k = 0; k < classCount; k++)
        {
            left[k] = members[k].Count;
            for (int p = 0; p < parts; p++)
            {
                double ideal = n == 0 ? 0 : (double)members[k].Count * sizes[p] / n;
                alloc[k, p] = (int)Math.Floor(ideal);
                frac[k, p] = ideal - alloc[k, p];
                left[k] -= alloc[k, p];
            }
        }
        for (int p = 0; p < parts; p++)
        {
            int deficit = sizes[p];
            for (int k = 0; k < classCount; k++) deficit -= alloc[k, p];
            var order = Enumerable.Range(0, classCount).OrderByDescending(k => frac[k, p]).ThenBy(k => k).ToArray();
            while (deficit > 0)
            {
                bool progressed = false;
                foreach (int k in order)
                {
                    if (deficit == 0) break;
                    if (left[k] == 0) continue;
                    alloc[k, p]++;
                    left[k]--;
                    deficit--;
                    progressed = true;
                }
                if (!progressed) throw new InvalidOperationException("Stratified allocation failed (internal error).");
            }
        }

        var random = new Random(seed);
        var result = new List<int>[parts];
        for (int p = 0; p < parts; p++) result[p] = new List<int>(sizes[p]);
        for (int k = 0; k < classCount; k++)
        {
            var idx = members[k].ToArray();
            NormalSampler.Shuffle(idx, random);
            int offset = 0;
            for (int p = 0; p < parts; p++)
            {
                result[p].AddRange(idx.AsSpan(offset, alloc[k, p]).ToArray());
                offset += alloc[k, p];
            }
        }
        var final = new int[parts][];
        for (int p = 0; p < parts; p++)
        {
            final[p] = result[p].ToArray();
            NormalSampler.Shuffle(final[p], random);
        }
        return final;
    }

    /// <summary>
    /// Splits a data set into training, validation and test parts. Classification data sets are split
    /// stratified by label unless <paramref name="stratify"/> is <see langword="false"/>; regression data sets
    /// are split at random.
    /// </summary>
    /// <param name="data">The data set.</param>
    /// <param name="train">Training fraction (thesis: 0.6 swiss roll, 0.7 two moons and spectra).</param>
    /// <param name="validation">Validation fraction.</param>
    /// <param name="test">Test fraction; the three must sum to at most 1.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="stratify">Stratify by label; default: when <paramref name="data"/> is a classification set.</param>
    public static DatasetSplit Split(Dataset data, double train, double validation, double test, int seed,
        bool? stratify = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool strat = stratify ?? data.Task == DatasetTask.Classification;
        if (strat && data.Labels is null)
            throw new ArgumentException("Stratified split needs a classification data set.", nameof(stratify));
        double[] fractions = [train, validation, test];
        var idx = strat ? StratifiedIndices(data.Labels!, fractions, seed) : RandomIndices(data.Rows, fractions, seed);
        return new DatasetSplit(data.Subset(idx[0]), data.Subset(idx[1]), data.Subset(idx[2]));
    }

    /// <summary>
    /// Throws an <see cref="InvalidDataException"/> naming the empty split (training, validation, test) and the
    /// number of rows the fractions need, instead of failing later inside the grid kernels.
    /// </summary>
    public static void CheckNotEmpty(int rows, int[] sizes, double[] fractions)
    {
        string[] names = ["training", "validation", "test"];
        int empty = Array.FindIndex(sizes, s => s == 0);
        if (empty < 0) return;
        int needed = rows;
        while (needed < 1_000_000 && DatasetSplitter.PartSizes(needed, fractions).Any(s => s == 0)) needed++;
        throw new InvalidDataException(
            $"The {names[empty]} split is empty: {rows} usable row{(rows == 1 ? "" : "s")} split {string.Join("/", fractions.Select(f => f.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)))} " +
            $"give {string.Join(", ", names.Select((n, i) => $"{n} {sizes[i]}"))}; at least {needed} rows are needed (each class at least once per split for classification).");
    }

    private static void CheckSizes(int count, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (sizes.Count == 0) throw new ArgumentException("At least one part is needed.", nameof(sizes));
        long sum = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(sizes), $"Part size {s} is negative.");
            sum += s;
        }
        if (sum > count) throw new ArgumentException($"Part sizes sum to {sum}, more than the {count} items.", nameof(sizes));
    }

    private static int[] LargestRemainder(int total, double[] ideal)
    {
        var sizes = ideal.Select(v => (int)Math.Floor(v)).ToArray();
        int rest = total - sizes.Sum();
        var order = Enumerable.Range(0, ideal.Length).OrderByDescending(i => ideal[i] - sizes[i]).ThenBy(i => i).ToArray();
        for (int j = 0; rest > 0; j = (j + 1) % order.Length, rest--) sizes[order[j]]++;
        return sizes;
    }
}
