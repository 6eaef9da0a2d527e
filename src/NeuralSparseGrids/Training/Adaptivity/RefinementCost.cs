using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Training;

/// <summary>
/// What grid adaptation cost a run, from one run's own timings: the median step (<see cref="GridRefinement.Seconds"/>,
/// the step's whole wall time including the embeddings gathered for it) against the median epoch
/// (<see cref="EpochReport.Seconds"/>: batches, refit and validation, without the step), the range of the steps, all
/// steps together against all epochs, and the median of each phase.
/// </summary>
/// <param name="Steps">Adaptation steps that changed the grid (steps that changed nothing are not recorded).</param>
/// <param name="MedianStepSeconds">Median wall time of a step.</param>
/// <param name="MedianEpochSeconds">Median wall time of an epoch.</param>
/// <param name="MedianPhaseSeconds">Per phase (<see cref="GridRefinement.Phases"/>): the median over the steps.</param>
/// <param name="FastestStepSeconds">The fastest step.</param>
/// <param name="SlowestStepSeconds">The slowest step (usually the first: the step's code is compiled then).</param>
/// <param name="TotalStepSeconds">All steps together.</param>
/// <param name="TotalEpochSeconds">All epochs together.</param>
public sealed record RefinementCost(int Steps, double MedianStepSeconds, double MedianEpochSeconds, IReadOnlyDictionary<string, double> MedianPhaseSeconds,
    double FastestStepSeconds, double SlowestStepSeconds, double TotalStepSeconds, double TotalEpochSeconds)
{
    /// <summary>Median step over median epoch.</summary>
    public double StepToEpoch => MedianStepSeconds / MedianEpochSeconds;

    /// <summary>All steps over all steps and epochs: the share of the training time that adaptation took.</summary>
    public double ShareOfTraining => TotalStepSeconds / (TotalStepSeconds + TotalEpochSeconds);

    /// <summary>The cost of <paramref name="refinements"/> against <paramref name="history"/>'s epochs; null without steps or epochs.</summary>
    public static RefinementCost? Of(IReadOnlyList<GridRefinement> refinements, IReadOnlyList<EpochReport> history)
    {
        if (refinements.Count == 0 || history.Count == 0) return null;
        var phases = refinements.SelectMany(r => r.Phases?.Keys ?? []).Distinct()
            .ToDictionary(p => p, p => Statistics.Median(refinements.Select(r => r.Phases?.GetValueOrDefault(p) ?? 0)));
        var steps = refinements.Select(r => r.Seconds).ToArray();
        return new RefinementCost(refinements.Count, Statistics.Median(steps), Statistics.Median(history.Select(e => e.Seconds)), phases,
            steps.Min(), steps.Max(), steps.Sum(), history.Sum(e => e.Seconds));
    }
}
