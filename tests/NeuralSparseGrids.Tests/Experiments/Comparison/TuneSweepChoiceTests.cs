using System.Text.Json;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

public sealed class TuneSweepChoiceTests
{
    // A tune sweep's results without running it: candidates x data seeds, one validation accuracy per cell.
    private static SweepResults Results(params (string Candidate, double[] Scores)[] rows)
    {
        int seeds = rows[0].Scores.Length;
        var spec = new SweepSpec
        {
            Name = "t",
            Axes =
            [
                new SweepAxis(TuneSpace.Axis, [.. rows.Select(r => new AxisValue(r.Candidate, []))]),
                new SweepAxis(TuneSweepChoice.SplitAxis, [.. Enumerable.Range(1, seeds).Select(k => new AxisValue(k.ToString(), []))]),
            ],
            Score = "validation.accuracy",
        };
        var cells = new List<SweepCellOutcome?>();
        foreach (var (candidate, scores) in rows)
            for (int k = 0; k < seeds; k++)
                cells.Add(double.IsNaN(scores[k])
                    ? new SweepCellOutcome { Index = cells.Count, Values = new() { [TuneSpace.Axis] = candidate, [TuneSweepChoice.SplitAxis] = (k + 1).ToString() }, Status = CellStatus.Failed }
                    : new SweepCellOutcome
                    {
                        Index = cells.Count,
                        Values = new() { [TuneSpace.Axis] = candidate, [TuneSweepChoice.SplitAxis] = (k + 1).ToString() },
                        Status = CellStatus.Ok,
                        Result = JsonDocument.Parse($"{{\"validation\":{{\"accuracy\":{scores[k].ToString(System.Globalization.CultureInfo.InvariantCulture)}}}}}").RootElement,
                    });
        return new SweepResults(spec, cells, "validation.accuracy", "test.accuracy", [], null);
    }

    [Fact]
    public void TheCommandChoosesByTheNsgTunedRowsRule()
    {
        // Candidate a has the best mean but a noisy gain (+0.10, -0.05, 0): the defaults stay, as in the nsg-tuned row.
        var (chosen, bestDrawn, trials) = TuneSweepChoice.Choose(Results((TuneSpace.Defaults, [0.80, 0.70, 0.75]), ("a", [0.90, 0.65, 0.75]), ("b", [0.79, 0.70, 0.74])));
        Assert.Equal(0, chosen);
        Assert.Equal(1, bestDrawn);
        Assert.Equal(0.75, trials[0].Validation, 12);
        Assert.Equal(TunedNsgMethod.Choose(trials, 1, higherIsBetter: true), chosen);
        // A steady gain on every split wins.
        (chosen, _, _) = TuneSweepChoice.Choose(Results((TuneSpace.Defaults, [0.80, 0.70, 0.75]), ("a", [0.85, 0.76, 0.80]), ("b", [0.79, 0.70, 0.74])));
        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ACandidateMissingASplitCannotWinAndFailedDefaultsGiveWayToTheBestDrawn()
    {
        var (chosen, bestDrawn, trials) = TuneSweepChoice.Choose(Results((TuneSpace.Defaults, [double.NaN, 0.70]), ("a", [0.95, double.NaN]), ("b", [0.60, 0.61])));
        Assert.True(double.IsNaN(trials[1].Validation));
        Assert.Contains("data seed 2", trials[1].Error);
        Assert.Equal(2, chosen);
        Assert.Equal(2, bestDrawn);
        (chosen, _, _) = TuneSweepChoice.Choose(Results((TuneSpace.Defaults, [double.NaN]), ("a", [double.NaN])));
        Assert.Equal(-1, chosen);
    }
}
