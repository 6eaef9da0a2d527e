using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

/// <summary><see cref="RefinementCost"/> against sums and medians worked out by hand on a made-up run.</summary>
public sealed class RefinementCostTests
{
    private static GridRefinement Step(int epoch, double seconds, double plan) =>
        new(epoch, [], [], 10, [], seconds, new Dictionary<string, double> { ["plan"] = plan, ["layer"] = seconds - plan });

    [Fact]
    public void MediansRangeAndShareComeFromTheRunsOwnTimings()
    {
        // The first step is slow (its code is compiled then); the median does not see it, the range and the share do.
        var steps = new[] { Step(10, 0.050, 0.040), Step(20, 0.001, 0.0004), Step(30, 0.003, 0.001), Step(40, 0.002, 0.0005) };
        var epochs = Enumerable.Range(1, 40).Select(e => new EpochReport(e, 1, 1, 1, 0.01, e == 1 ? 0.5 : 0.01, 0)).ToList();

        var cost = RefinementCost.Of(steps, epochs)!;

        Assert.Equal(4, cost.Steps);
        Assert.Equal(0.0025, cost.MedianStepSeconds, 12);
        Assert.Equal(0.01, cost.MedianEpochSeconds, 12);
        Assert.Equal(0.25, cost.StepToEpoch, 9);
        Assert.Equal(0.001, cost.FastestStepSeconds, 12);
        Assert.Equal(0.050, cost.SlowestStepSeconds, 12);
        Assert.Equal(0.056, cost.TotalStepSeconds, 12);
        Assert.Equal(0.5 + 39 * 0.01, cost.TotalEpochSeconds, 12);
        Assert.Equal(0.056 / (0.056 + 0.89), cost.ShareOfTraining, 12);
        Assert.Equal((0.0005 + 0.001) / 2, cost.MedianPhaseSeconds["plan"], 12);
        Assert.Equal((0.0015 + 0.002) / 2, cost.MedianPhaseSeconds["layer"], 12);
    }

    [Fact]
    public void NoStepsOrNoEpochsGiveNoCost()
    {
        Assert.Null(RefinementCost.Of([], [new EpochReport(1, 1, 1, 1, 0.01, 0.01, 0)]));
        Assert.Null(RefinementCost.Of([Step(1, 0.001, 0.0005)], []));
    }
}
