using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>One method on one split.</summary>
/// <param name="Seed">Split seed (also the method's seed).</param>
/// <param name="Score">Test accuracy (classification) or test RMSE in target units (regression); NaN when the method failed.</param>
/// <param name="FitSeconds">Seconds spent fitting (including validation-based selection; prediction excluded).</param>
/// <param name="Detail">What ran (variant, chosen settings), or the error when it failed.</param>
/// <param name="Failed">True when the method threw on this split.</param>
public sealed record SplitOutcome(int Seed, double Score, double FitSeconds, string Detail, bool Failed = false);

/// <summary>
/// A method's outcomes over all splits and their summary: the median and range of the score and the median fit time.
/// </summary>
public sealed record MethodSummary
{
    /// <summary>Method name.</summary>
    public required string Name { get; init; }

    /// <summary>Why the method was not run (null when it ran).</summary>
    public string? NotApplicable { get; init; }

    /// <summary>Per split, in seed order.</summary>
    public IReadOnlyList<SplitOutcome> Splits { get; init; } = [];

    /// <summary>Median score over the splits that did not fail (NaN when none).</summary>
    public double Median => Statistics.Median(Scores);

    /// <summary>Smallest score.</summary>
    public double Min => Scores.Length == 0 ? double.NaN : Scores.Min();

    /// <summary>Largest score.</summary>
    public double Max => Scores.Length == 0 ? double.NaN : Scores.Max();

    /// <summary>Median fit seconds.</summary>
    public double FitSeconds => Statistics.Median(Splits.Where(s => !s.Failed).Select(s => s.FitSeconds).ToArray());

    /// <summary>Splits on which the method threw.</summary>
    public int Failures => Splits.Count(s => s.Failed);

    /// <summary>The details of the splits, distinct, joined (e.g. which tree library ran).</summary>
    public string Detail => string.Join("; ", Splits.Select(s => s.Detail).Where(d => d.Length > 0).Distinct());

    private double[] Scores => Splits.Where(s => !s.Failed).Select(s => s.Score).ToArray();
}
