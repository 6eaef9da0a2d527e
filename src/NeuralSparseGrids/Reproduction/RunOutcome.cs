using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Reproduction;

/// <summary>What one seed of one experiment produced, for the measures of its cells.</summary>
/// <param name="Result">The experiment result.</param>
/// <param name="NsgStar">NSG* test metrics (null unless a cell asked for them).</param>
/// <param name="FirstEpoch">Latent statistics after epoch 1 (null unless asked for).</param>
/// <param name="Final">Latent statistics of the final model (null unless asked for).</param>
public sealed record RunOutcome(ExperimentResult Result, TestMetrics? NsgStar, LatentEpochStatistics? FirstEpoch, LatentEpochStatistics? Final)
{
    /// <summary>The value of <paramref name="measure"/> in this run (null if not available).</summary>
    public double? Value(Measure measure) => measure switch
    {
        Measure.TestMse => Result.Test.Mse,
        Measure.Log10TestMse => Result.Test.Mse is double m ? Math.Log10(m) : null,
        Measure.TestMseRaw => Result.Test.MseRaw,
        Measure.TestMaeRaw => Result.Test.MaeRaw,
        Measure.TestAccuracy => Result.Test.Accuracy,
        Measure.BurstRate => Result.Bursts > 0 ? 1 : 0,
        Measure.GridPoints => Result.GridPoints,
        Measure.ActivatedPoints => Result.ActivatedPoints,
        Measure.ActivatedRatio => Result.GridPoints == 0 ? null : Result.ActivatedPoints / (double)Result.GridPoints,
        Measure.Diameter => Final?.Diameter,
        Measure.DiameterEpoch1 => FirstEpoch?.Diameter,
        Measure.NsgStarMse => NsgStar?.Mse,
        Measure.NsgStarMseRaw => NsgStar?.MseRaw,
        Measure.NsgStarAccuracy => NsgStar?.Accuracy,
        Measure.BayesTestMse => Result.Bayes?.Mse,
        _ => null,
    };
}

/// <summary>One table cell after its runs: the per-seed values and their median (mean for rates) and spread.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Values">Per-seed values (empty when not reproduced).</param>
/// <param name="Ours">Median over seeds (mean for <see cref="Measures.IsRate"/>); null when not reproduced.</param>
/// <param name="Min">Smallest per-seed value.</param>
/// <param name="Max">Largest per-seed value.</param>
/// <param name="Diverged">Runs that diverged (their last good parameters are evaluated).</param>
public sealed record CellResult(ReproCell Cell, double[] Values, double? Ours, double? Min, double? Max, int Diverged)
{
    /// <summary>Aggregates per-seed values.</summary>
    public static CellResult From(ReproCell cell, IReadOnlyList<double> values, int diverged)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        if (finite.Length == 0) return new CellResult(cell, [.. values], values.Count > 0 ? double.NaN : null, null, null, diverged);
        double centre = cell.Measure.IsRate()
            ? finite.Average()
            : finite.Length % 2 == 1 ? finite[finite.Length / 2] : 0.5 * (finite[finite.Length / 2 - 1] + finite[finite.Length / 2]);
        return new CellResult(cell, [.. values], centre, finite[0], finite[^1], diverged);
    }
}

/// <summary>A reproduced table.</summary>
/// <param name="Table">The definition.</param>
/// <param name="Cells">Cell results in table order.</param>
/// <param name="Seeds">Seeds per cell.</param>
/// <param name="Scale">The scale applied (null: the thesis setup).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record ReproductionResult(TableDefinition Table, IReadOnlyList<CellResult> Cells, int Seeds, ReproductionScale? Scale, double Seconds);
