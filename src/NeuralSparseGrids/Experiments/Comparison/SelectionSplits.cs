using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// Repeated train/validation splits for choosing among candidates with less noise than one small validation part:
/// repeat 0 is the split itself; repeat r &gt; 0 deals the same training and validation rows (never the test rows) anew
/// into parts of the same sizes (stratified for classification), with a seed derived from the split's seed and r.
/// Every repeat trains on as many rows as the final model does, so candidates are ranked at the size they will be used at.
/// </summary>
public static class SelectionSplits
{
    /// <summary>Validation rows the repeats should hold together: about 1,000 (accuracy's standard error then ~1 point).</summary>
    public const int TargetValidationRows = 1000;

    /// <summary>Most repeats (small sets get this many: their fits are cheap).</summary>
    public const int MaxRepeats = 5;

    /// <summary>
    /// The repeats for a validation part of <paramref name="validationRows"/> rows: ceil(1000 / rows) within [1, 5]:
    /// 5 for the small sets (25-115 validation rows), 2 for 500-999, 1 (the split alone) from 1,000 rows.
    /// </summary>
    public static int RepeatsFor(int validationRows) =>
        validationRows <= 0 ? 1 : Math.Clamp((TargetValidationRows + validationRows - 1) / validationRows, 1, MaxRepeats);

    /// <summary>Validation rows of <paramref name="rows"/> rows split with <paramref name="fractions"/> (train, validation, test).</summary>
    public static int ValidationRows(int rows, (double Train, double Validation, double Test) fractions) =>
        DatasetSplitter.PartSizes(rows, [fractions.Train, fractions.Validation, fractions.Test])[1];

    /// <summary>The training seed of repeat <paramref name="repeat"/> of the split with <paramref name="seed"/> (repeat 0: the seed itself).</summary>
    public static int Seed(int seed, int repeat) => repeat == 0 ? seed : unchecked(seed * 7919 + 104_729 * repeat);

    /// <summary>
    /// The <paramref name="repeats"/> selection splits of <paramref name="split"/>: training and validation parts only
    /// (each split's Test is its Validation, so nothing downstream can reach the real test rows).
    /// </summary>
    public static IReadOnlyList<DatasetSplit> Make(DatasetSplit split, int seed, int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var result = new List<DatasetSplit>(repeats) { new(split.Train, split.Validation, split.Validation) };
        if (repeats == 1) return result;
        var pool = Dataset.Concat(split.Train, split.Validation);
        int[] sizes = [split.Train.Rows, split.Validation.Rows];
        for (int r = 1; r < repeats; r++)
        {
            int dealSeed = Seed(seed, r);
            var parts = pool.Labels is { } labels
                ? DatasetSplitter.StratifiedIndicesByCount(labels, sizes, dealSeed)
                : DatasetSplitter.RandomIndicesByCount(pool.Rows, sizes, dealSeed);
            var validation = pool.Subset(parts[1]);
            result.Add(new DatasetSplit(pool.Subset(parts[0]), validation, validation));
        }
        return result;
    }
}
