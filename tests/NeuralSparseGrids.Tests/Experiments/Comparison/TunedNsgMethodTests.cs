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
    private static TunedNsgMethod Method(int? trialEpochs = null) => new(
    [
        new TuneCandidate("defaults", Small, Short with { LearningRate = 1e-6 }),
        new TuneCandidate("lr=0.03", Small, Short with { LearningRate = 0.03 }),
        new TuneCandidate("lr=0.01 d3", Small with { Latent = 3 }, Short with { LearningRate = 0.01 }),
    ], trialEpochs);

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
    public void SelectionPrefersHigherAccuracyLowerRmseAndNeverNaN()
    {
        Assert.True(TunedNsgMethod.IsBetter(0.9, 0.8, higherIsBetter: true));
        Assert.False(TunedNsgMethod.IsBetter(0.8, 0.8, higherIsBetter: true));
        Assert.True(TunedNsgMethod.IsBetter(0.1, 0.2, higherIsBetter: false));
        Assert.False(TunedNsgMethod.IsBetter(double.NaN, 0.2, higherIsBetter: false));
        Assert.True(TunedNsgMethod.IsBetter(0.5, double.NaN, higherIsBetter: true));
    }
}
