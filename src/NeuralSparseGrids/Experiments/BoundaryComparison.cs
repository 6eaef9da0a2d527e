using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments;

/// <summary>One boundary treatment of thesis 3.4.3: a rescaling into [0,1]^d and a grid type.</summary>
/// <param name="Name">Short name.</param>
/// <param name="Rescale">Rescaling, CLI spelling.</param>
/// <param name="Grid">Grid type.</param>
public sealed record BoundaryTreatment(string Name, string Rescale, GridType Grid);

/// <summary>Outcome of one treatment.</summary>
/// <param name="Treatment">The treatment.</param>
/// <param name="GridPoints">Grid points G.</param>
/// <param name="FinalTrainLoss">Mean training loss of the last epoch.</param>
/// <param name="ChanceLoss">ln(classes): the cross-entropy of a uniform guess (2.30 for MNIST).</param>
/// <param name="Stuck">True if the final training loss stayed within 5% of <paramref name="ChanceLoss"/> ("loss stuck at 2.3").</param>
/// <param name="TestAccuracy">Test accuracy.</param>
/// <param name="Seconds">Training time.</param>
/// <param name="TrainLosses">Training loss per epoch.</param>
public sealed record BoundaryOutcome(BoundaryTreatment Treatment, long GridPoints, double FinalTrainLoss, double ChanceLoss, bool Stuck,
    double TestAccuracy, double Seconds, double[] TrainLosses);

/// <summary>
/// Trains one classification experiment under each boundary treatment of thesis 3.4.3 (Table 3.8, "loss stuck at
/// 2.3"): none (sigmoid, regular grid), reserved margin (margin:0.1, regular grid), extended boundary level 1
/// (<see cref="GridType.LinearExtendedBoundary"/>, V_n^B(1)) and modified linear basis (<see cref="GridType.ModifiedLinear"/>).
/// </summary>
public static class BoundaryComparison
{
    /// <summary>The four treatments compared.</summary>
    public static IReadOnlyList<BoundaryTreatment> Treatments { get; } =
    [
        new("none", "sigmoid", GridType.Linear),
        new("margin", "margin:0.1", GridType.Linear),
        new("extended-boundary", "sigmoid", GridType.LinearExtendedBoundary),
        new("modified-linear", "sigmoid", GridType.ModifiedLinear),
    ];

    /// <summary>Relative distance from ln(classes) under which a final training loss counts as stuck.</summary>
    public const double StuckTolerance = 0.05;

    /// <summary>
    /// Runs <paramref name="spec"/> (a classification experiment) once per treatment, replacing its rescaling and grid
    /// type; <paramref name="progress"/> receives each outcome as it finishes.
    /// </summary>
    public static IReadOnlyList<BoundaryOutcome> Run(ExperimentSpec spec, IEnumerable<BoundaryTreatment>? treatments = null, Action<BoundaryOutcome>? progress = null)
    {
        var outcomes = new List<BoundaryOutcome>();
        foreach (var t in treatments ?? Treatments)
        {
            var s = spec with { Model = spec.Model with { Rescale = Rescaling.Parse(t.Rescale), Grid = spec.Model.Grid with { Type = t.Grid } } };
            var result = ExperimentRunner.Run(s);
            if (result.Test.Accuracy is not double accuracy)
                throw new ArgumentException("The boundary comparison needs a classification experiment (e.g. --data mnist).");
            var losses = result.History.Select(e => e.TrainLoss).ToArray();
            double final = losses.Length > 0 ? losses[^1] : double.NaN;
            double chance = Math.Log(result.Outputs);
            var outcome = new BoundaryOutcome(t, result.GridPoints, final, chance, IsStuck(final, chance), accuracy, result.Seconds, losses);
            outcomes.Add(outcome);
            progress?.Invoke(outcome);
        }
        return outcomes;
    }

    /// <summary>True if <paramref name="loss"/> is within <see cref="StuckTolerance"/> (relative) of <paramref name="chanceLoss"/>.</summary>
    public static bool IsStuck(double loss, double chanceLoss) => !double.IsFinite(loss) || Math.Abs(loss - chanceLoss) <= StuckTolerance * chanceLoss;
}
