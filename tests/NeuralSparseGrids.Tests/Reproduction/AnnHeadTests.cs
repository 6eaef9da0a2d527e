using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Reproduction;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Reproduction;

[Collection("Torch")]
public sealed class AnnHeadTests
{
    [Theory]
    [InlineData(2, 6, 1)]
    [InlineData(2, 5, 2)]
    [InlineData(8, 3, 10)]
    public void DenseHeadHasTheSparseGridsParameterCountWithinOneNeuron(int latent, int level, int outputs)
    {
        var config = new NsgModelConfig
        {
            Latent = latent, Grid = new GridConfig { Level = level }, Outputs = outputs, Encoder = new MlpEncoderConfig { HiddenLayers = [5] },
            Task = outputs > 1 ? NsgTask.Classification : NsgTask.Regression,
        };
        using var sg = NeuralSparseGrid.Create(config, 1);
        using var ann = NeuralSparseGrid.Create(config with { Head = HeadKind.Dense }, 1);
        long sgParams = sg.Layer.Coefficients.numel();
        long annParams = ann.DenseHead!.parameters().Sum(p => p.numel());
        Assert.Equal(sg.Grid.PointCount * outputs, sgParams);
        Assert.True(Math.Abs(annParams - sgParams) <= latent + outputs + 1, $"dense {annParams} vs grid {sgParams}");
        long encoderParams(NeuralSparseGrid m) => m.EncoderParameters().Sum(p => p.numel());
        Assert.Equal(encoderParams(sg), encoderParams(ann));
        Assert.Throws<InvalidOperationException>(() => ann.Layer);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1.0)]
    [InlineData(0.25)]
    public void DenseOutputWeightsTakeTheirOwnAdamStep(double? scale)
    {
        // Adam's first step moves every weight with a non-zero gradient by its rate (m/sqrt(v) = sign(g)), so one
        // full-batch step shows each group's rate: the encoder at lr, the head's output weights at lr x scale
        // (null: the width rule, min(1, 16 / n) with n = (321 x 3 - 3) / 6 = 160 hidden neurons for d = 2, level 6, 3 classes).
        var config = new NsgModelConfig
        {
            Inputs = 4, Encoder = new MlpEncoderConfig { HiddenLayers = [16] }, Latent = 2, Grid = new GridConfig { Level = 6 }, Outputs = 3,
            Task = NsgTask.Classification, Head = HeadKind.Dense,
        };
        using var ann = NeuralSparseGrid.Create(config, 3);
        var head = ann.DenseHead!;
        Assert.Equal(160, head.Hidden);
        double expected = scale ?? 16.0 / 160;
        var random = new Random(5);
        int rows = 64;
        var x = Enumerable.Range(0, rows * 4).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, rows).Select(i => i % 3).ToArray();
        using var train = TrainingSplit.Classification(x, 4, labels, 3);
        var output = head.Layers.OutputLayer.weight!;
        var firstEncoder = ann.EncoderParameters().First();
        var outputBefore = output.detach().clone();
        var encoderBefore = firstEncoder.detach().clone();
        const double lr = 0.01;
        new NsgTrainer(ann, new TrainingOptions
        {
            LearningRate = lr, Epochs = 1, BatchSize = rows, RestoreBest = false,
            Gradient = new GradientMethodOptions { DenseOutputLearningRateScale = scale },
        }).Fit(train);
        double outputStep = (output.detach() - outputBefore).abs().max().item<float>();
        double encoderStep = (firstEncoder.detach() - encoderBefore).abs().max().item<float>();
        Assert.InRange(outputStep, 0.98 * lr * expected, 1.02 * lr * expected);
        Assert.InRange(encoderStep, 0.98 * lr, 1.02 * lr);
    }

    [Fact]
    public void OutputLearningRateScaleIsTheWidthRatioCappedAtOne()
    {
        Assert.Equal(128.0 / 2017, EqualParameterHead.OutputLearningRateScale(2017, 128), 12);
        Assert.Equal(1.0, EqualParameterHead.OutputLearningRateScale(50, 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => EqualParameterHead.OutputLearningRateScale(0, 128));
    }

    [Fact]
    public void LeastSquaresRefusesADenseHead()
    {
        using var ann = NeuralSparseGrid.Create(new NsgModelConfig { Head = HeadKind.Dense, Encoder = new MlpEncoderConfig { HiddenLayers = [5] }, Grid = new GridConfig { Level = 3 } }, 1);
        var e = Assert.Throws<ArgumentException>(() => new NsgTrainer(ann, new TrainingOptions { Method = TrainingMethod.LeastSquares }));
        Assert.Contains("gradient", e.Message);
    }

    [Fact]
    public void NsgStarOnATinyRegressionAndClassificationRun()
    {
        var scale = new ReproductionScale(Epochs: 2, Count: 200);
        foreach (var spec in new[] { ThesisSpecs.SwissRoll(4, head: HeadKind.Dense), ThesisSpecs.TwoMoons(3, head: HeadKind.Dense) })
        {
            TestMetrics? star = null;
            var latent = new LatentStatisticsCallback();
            var result = ExperimentRunner.RunAndInspect(scale.Apply(spec), [latent], null, false,
                (model, data) => star = NsgStar.Fit(model, data, new NsgStarOptions { Epochs = 3 }));
            Assert.NotNull(star);
            Assert.Equal(2, latent.History.Count);
            Assert.All(latent.History, h => Assert.InRange(h.Diameter, 0, Math.Sqrt(2)));
            if (result.Test.Accuracy is double) Assert.InRange(star!.Accuracy!.Value, 0, 1);
            else Assert.True(double.IsFinite(star!.Mse!.Value) && star.Mse > 0);
        }
    }

    [Fact]
    public void NsgStarMarginRescuesEmbeddingsOnTheFacesOfTheBox()
    {
        // A huge last-layer gain saturates the sigmoid: the embeddings sit on the faces of [0,1]^2, where every basis
        // function of the boundary-free grid is zero, so without a margin NSG* can only predict 0.
        var spec = ThesisSpecs.SwissRoll(4, head: HeadKind.Dense);
        spec = new ReproductionScale(Epochs: 1, Count: 400).Apply(spec with { Model = spec.Model with { Encoder = (MlpEncoderConfig)spec.Model.Encoder with { LatentInitGain = 1000 } } });
        TestMetrics? plain = null, withMargin = null;
        ExperimentRunner.RunAndInspect(spec, null, null, false, (model, data) =>
        {
            plain = NsgStar.Fit(model, data, new NsgStarOptions { Margin = 0 });
            withMargin = NsgStar.Fit(model, data, new NsgStarOptions());
        }, savePlotData: false);
        Assert.True(withMargin!.Mse < 0.5 * plain!.Mse, $"NSG* MSE with margin {withMargin.Mse}, without {plain.Mse}");
    }
}
