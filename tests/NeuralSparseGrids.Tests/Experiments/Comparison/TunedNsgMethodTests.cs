using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

[Collection("Torch")]
public class TunedNsgMethodTests
{
    private static readonly NsgModelConfig Small = new() { Encoder = new MlpEncoderConfig { HiddenLayers = [8] }, Grid = new GridConfig { Level = 3 } };
    private static readonly TrainingOptions Short = new() { Optimizer = OptimizerKind.Adam, Epochs = 6, BatchSize = 32 };

    // Three candidates whose validation scores differ: a learning rate too small to move, and two that learn.
    private static TunedNsgMethod Method(int? trialEpochs = null, int? repeats = 1) => new(
    [
        new TuneCandidate("defaults", Small, Short with { LearningRate = 1e-6 }),
        new TuneCandidate("lr=0.03", Small, Short with { LearningRate = 0.03 }),
        new TuneCandidate("lr=0.01 d3", Small with { Latent = 3 }, Short with { LearningRate = 0.01 }),
    ], trialEpochs, repeats);

    private static DatasetSplit Split() => new ScaledSplits(TinyData.Classification(rows: 240)).Split(1);

    [Fact]
    public void TheWinnerIsTheValidationArgmaxOfTheTrialsAndTheTestPartPlaysNoRole()
    {
        var split = Split();
        using var fit = (TunedNsgMethod.TunedFit)Method().Fit(split, 4);
        Assert.Equal(["defaults", "lr=0.03", "lr=0.01 d3"], fit.Trials.Select(t => t.Label));
        var scores = fit.Trials.Select(t => t.Validation).ToArray();
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        int argmax = Array.IndexOf(scores, scores.Max()); // the first of equal maxima
        Assert.Equal(argmax, fit.ChosenIndex);
        Assert.Equal(Method().Candidates[argmax].Label, fit.Chosen.Label);

        // Each trial's figure is the candidate's own validation accuracy: the plain NSG method with its settings and the
        // split's seed reproduces it.
        var chosen = fit.Chosen;
        using (var direct = new NsgMethod("nsg", chosen.Model, chosen.Training).Fit(split, 4))
            Assert.Equal(scores[argmax], ComparisonRunner.Score(direct.Predict(split.Validation), split.Validation));

        // Another test part (here: the labels flipped) changes nothing the method chose or learned.
        var test = split.Test;
        var flipped = Dataset.ForClassification(test.Features, test.Rows, test.Columns, [.. test.Labels!.Select(l => 1 - l)], test.ClassNames, test.FeatureNames, test.TargetNames[0]);
        using var other = (TunedNsgMethod.TunedFit)Method().Fit(split with { Test = flipped }, 4);
        Assert.Equal(scores, other.Trials.Select(t => t.Validation));
        Assert.Equal(fit.Predict(test), other.Predict(test));
        Assert.Contains($"best of 3 candidates", fit.Detail);
    }

    [Fact]
    public void SeededRunsRepeatAndAnEpochCapOnTheTrialsRetrainsTheWinnerInFull()
    {
        var split = Split();
        using var a = (TunedNsgMethod.TunedFit)Method(trialEpochs: 2).Fit(split, 2);
        using var b = (TunedNsgMethod.TunedFit)Method(trialEpochs: 2).Fit(split, 2);
        Assert.Equal(a.Trials.Select(t => t.Validation), b.Trials.Select(t => t.Validation));
        Assert.Equal(a.Predict(split.Test), b.Predict(split.Test));

        // The winner of the 2-epoch trials is retrained with its full 6 epochs: the same model as the plain method's.
        using var full = new NsgMethod("nsg", a.Chosen.Model, a.Chosen.Training).Fit(split, 2);
        Assert.Equal(full.Predict(split.Test), a.Predict(split.Test));
        Assert.Equal(6, a.Chosen.Training.Epochs);
        Assert.Contains("6 epochs", a.Detail);
    }

    [Fact]
    public void WithRepeatsEachTrialIsTheMeanOverSelectionSplitsAndTheResultIsTheRepeatZeroModel()
    {
        var split = Split();
        using var fit = (TunedNsgMethod.TunedFit)Method(repeats: 3).Fit(split, 4);
        Assert.Equal(3, fit.Repeats);
        Assert.All(fit.Trials, t => Assert.Equal(3, t.Scores!.Length));
        Assert.All(fit.Trials, t => Assert.Equal(t.Scores!.Average(), t.Validation, 12));
        // Repeat 0 is the split itself: its score is the plain method's validation accuracy with the split's seed, and
        // the returned model is that fit.
        var chosen = fit.Chosen;
        using var direct = new NsgMethod("nsg", chosen.Model, chosen.Training).Fit(split, 4);
        Assert.Equal(fit.Trials[fit.ChosenIndex].Scores![0], ComparisonRunner.Score(direct.Predict(split.Validation), split.Validation));
        Assert.Equal(direct.Predict(split.Test), fit.Predict(split.Test));
        Assert.Contains("mean of 3 splits", fit.Detail);
        // The choice follows the rule on the recorded scores.
        int best = Enumerable.Range(1, 2).OrderByDescending(i => fit.Trials[i].Validation).ThenBy(i => i).First();
        Assert.Equal(TunedNsgMethod.Choose(fit.Trials, best, higherIsBetter: true), fit.ChosenIndex);
    }

    [Fact]
    public void TheDefaultsStayUnlessTheWinnersGainExceedsItsStandardErrorOverTheRepeats()
    {
        TuneTrial T(string label, params double[] s) => new(label, s.Average(), Scores: s);
        var defaults = T("defaults", 0.80, 0.70, 0.75);
        // Mean gain 0.0167, per-repeat gains +0.10, -0.05, 0: standard error 0.044 -> noise, the defaults stay.
        Assert.Equal(0, TunedNsgMethod.Choose([defaults, T("a", 0.90, 0.65, 0.75)], 1, higherIsBetter: true));
        // A steady gain of about 0.05 on every repeat is real.
        Assert.Equal(1, TunedNsgMethod.Choose([defaults, T("a", 0.85, 0.76, 0.80)], 1, higherIsBetter: true));
        // Lower is better for RMSE; an exact tie keeps the defaults; one repeat needs only a strict gain.
        Assert.Equal(1, TunedNsgMethod.Choose([T("d", 2.0, 2.2), T("a", 1.8, 2.05)], 1, higherIsBetter: false));
        Assert.Equal(0, TunedNsgMethod.Choose([T("d", 2.0, 2.2), T("a", 2.0, 2.2)], 1, higherIsBetter: false));
        Assert.Equal(1, TunedNsgMethod.Choose([T("d", 0.5), T("a", 0.51)], 1, higherIsBetter: true));
        // Failed defaults: the best drawn candidate; all failed: none.
        Assert.Equal(1, TunedNsgMethod.Choose([new TuneTrial("d", double.NaN, "diverged"), T("a", 0.5)], 1, higherIsBetter: true));
        Assert.Equal(-1, TunedNsgMethod.Choose([new TuneTrial("d", double.NaN, "diverged")], -1, higherIsBetter: true));
    }

    [Fact]
    public void TheDetailNamesTheFirstFailedCandidateAndWhy()
    {
        var trials = new[]
        {
            new TuneTrial("defaults", 0.8, Scores: [0.8]),
            new TuneTrial("lr=3", double.NaN, "Training diverged at epoch 2 (loss NaN).\nstack"),
            new TuneTrial("d9", double.NaN, "too many points"),
        };
        using var fit = new TunedNsgMethod.TunedFit(new FixedFit(), new TuneCandidate("defaults", Small, Short), trials, 0);
        Assert.Contains("2 failed, first lr=3: Training diverged at epoch 2 (loss NaN).)", fit.Detail);
        Assert.DoesNotContain("stack", fit.Detail);
    }

    private sealed class FixedFit : IFittedMethod
    {
        public string Detail => "fixed";
        public double[] Predict(Dataset data) => new double[data.Rows];
        public void Dispose() { }
    }

    [Fact]
    public void SelectionPrefersHigherAccuracyLowerRmseAndNeverNaN()
    {
        Assert.True(TunedNsgMethod.IsBetter(0.9, 0.8, higherIsBetter: true));
        Assert.False(TunedNsgMethod.IsBetter(0.8, 0.8, higherIsBetter: true));
        Assert.True(TunedNsgMethod.IsBetter(0.1, 0.2, higherIsBetter: false));
        Assert.False(TunedNsgMethod.IsBetter(double.NaN, 0.2, higherIsBetter: false));
        Assert.True(TunedNsgMethod.IsBetter(0.5, double.NaN, higherIsBetter: true));
    }
}
