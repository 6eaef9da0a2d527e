using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// `nsg tune`'s winner from a finished tune sweep, by the same rule as the nsg-tuned row (<see cref="TunedNsgMethod.Choose"/>):
/// every candidate is scored by its mean validation score over the sweep's splits (its cells, one per data seed), and a
/// drawn candidate replaces the defaults only when its mean gain over them exceeds the standard error of its per-split
/// gains. So the command and the benchmark row never disagree on what tuning means.
/// </summary>
public static class TuneSweepChoice
{
    /// <summary>The sweep axis holding the splits (data seeds) of a tune sweep.</summary>
    public const string SplitAxis = "data-seed";

    /// <summary>
    /// Every candidate's trial (in the spec's candidate order, the defaults first; NaN with the reason when a split has
    /// no result), the chosen candidate's position (-1 when every candidate failed) and the best drawn candidate's (the
    /// best mean after the defaults, whether or not it replaced them; -1 when none finished).
    /// </summary>
    public static (int Chosen, int BestDrawn, IReadOnlyList<TuneTrial> Trials) Choose(SweepResults results)
    {
        var candidates = results.Spec.Axes.Single(a => a.Name == TuneSpace.Axis).Values.Select(v => v.Label).ToList();
        var splits = results.Spec.Axes.SingleOrDefault(a => a.Name == SplitAxis)?.Values.Select(v => v.Label).ToList() ?? [""];
        bool higher = SweepScore.HigherIsBetter(results.Score);
        var trials = candidates.Select(label => Trial(results, label, splits)).ToList();
        int best = -1;
        for (int i = 1; i < trials.Count; i++)
            if (best < 0 ? !double.IsNaN(trials[i].Validation) : TunedNsgMethod.IsBetter(trials[i].Validation, trials[best].Validation, higher))
                best = i;
        return (TunedNsgMethod.Choose(trials, best, higher), best, trials);
    }

    // One candidate's validation scores in split order (a split's cells, if a sweep has several training seeds, by
    // their mean).
    private static TuneTrial Trial(SweepResults results, string label, IReadOnlyList<string> splits)
    {
        var scores = new double[splits.Count];
        for (int k = 0; k < splits.Count; k++)
        {
            var cells = results.Cells.Where(c => c is { HasMetrics: true } && c.Values[TuneSpace.Axis] == label
                                                 && (splits[k] == "" || c.Values[SplitAxis] == splits[k]))
                .Select(c => c!.Number(results.Score)).OfType<double>().Where(double.IsFinite).ToList();
            if (cells.Count == 0)
                return new TuneTrial(label, double.NaN, splits[k] == "" ? "no result" : $"no result on data seed {splits[k]}");
            scores[k] = cells.Average();
        }
        return new TuneTrial(label, scores.Average(), Scores: scores);
    }
}
