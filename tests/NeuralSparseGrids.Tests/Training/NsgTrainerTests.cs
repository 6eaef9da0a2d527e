using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using Xunit.Abstractions;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public class NsgTrainerTests(ITestOutputHelper output)
{
    private static readonly NsgModelConfig SmallModel = new() { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [16, 16] }, Latent = 2, Grid = new GridConfig { Level = 4 } };

    [Theory]
    [InlineData(TrainingMethod.Gradient)]
    [InlineData(TrainingMethod.LeastSquares)]
    [InlineData(TrainingMethod.IterativeLeastSquares)]
    [InlineData(TrainingMethod.IterativeLeastSquares, IlsSolverKind.Lsmr)]
    public void TrainingBeatsTheMeanPredictorTenfold(TrainingMethod method, IlsSolverKind solver = IlsSolverKind.ConjugateGradient)
    {
        TorchRuntime.EnsureLoaded();
        var (train, validation) = TinySwissRoll.Create(1200, seed: 5);
        using var model = NeuralSparseGrid.Create(SmallModel, seed: 2);
        var options = new TrainingOptions
        {
            Method = method, Epochs = 40, BatchSize = 32, LearningRate = method == TrainingMethod.Gradient ? 0.01 : 0.003,
            LeastSquares = new LeastSquaresOptions { Lambda = 1e-3 }, Ils = new IlsOptions { Iterations = 10, Solver = solver }, Seed = 3,
        };
        var result = new NsgTrainer(model, options).Fit(train, validation);
        double mse = result.BestValidationLoss;
        double baseline = TinySwissRoll.MeanPredictorMse(train, validation);
        output.WriteLine($"{method} ({solver}): validation MSE {mse:G4}, mean predictor {baseline:G4}, {result.Seconds:F1} s");
        Assert.Null(result.Divergence);
        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.True(mse * 10 < baseline, $"MSE {mse} is not 10x below the mean predictor's {baseline}");
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void FrozenEncoderEpochsTrainOnlyTheCoefficientsThenEverything()
    {
        TorchRuntime.EnsureLoaded();
        var (train, validation) = TinySwissRoll.Create(300, seed: 5);
        using var model = NeuralSparseGrid.Create(SmallModel, seed: 2);
        var encoderBefore = model.EncoderParameters().Select(p => p.detach().clone()).ToList();
        var coefficientsBefore = model.Layer.Coefficients.detach().clone();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.01, Seed = 3, Gradient = new GradientMethodOptions { FrozenEncoderEpochs = 2 } };
        new NsgTrainer(model, options).Fit(train, validation);
        Assert.All(model.EncoderParameters().Zip(encoderBefore), pair => Assert.True(TorchSharp.torch.allclose(pair.First, pair.Second, rtol: 0, atol: 0)));
        Assert.False(TorchSharp.torch.allclose(model.Layer.Coefficients, coefficientsBefore));

        // One more epoch without the freeze moves the encoder.
        new NsgTrainer(model, options with { Epochs = 1, Gradient = new GradientMethodOptions() }).Fit(train, validation);
        Assert.Contains(model.EncoderParameters().Zip(encoderBefore), pair => !TorchSharp.torch.allclose(pair.First, pair.Second, rtol: 0, atol: 0));
        Assert.Throws<ArgumentException>(() => (options with { Method = TrainingMethod.LeastSquares }).Validate());
        foreach (var t in encoderBefore) t.Dispose();
        coefficientsBefore.Dispose(); train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void PatienceEndsTheRunWithTheEarlyStoppedStatusAndTheBestEpoch()
    {
        TorchRuntime.EnsureLoaded();
        var (train, validation) = TinySwissRoll.Create(300, seed: 6);
        using var model = NeuralSparseGrid.Create(SmallModel, seed: 2);
        // A learning rate this large makes the validation loss jump around, so a patience of 1 fires early.
        var options = new TrainingOptions { Epochs = 60, BatchSize = 16, LearningRate = 0.3, Seed = 3, EarlyStoppingPatience = 1 };
        var result = new NsgTrainer(model, options).Fit(train, validation);
        Assert.Equal(TrainingStatus.EarlyStopped, result.Status);
        Assert.True(result.StoppedEarly);
        Assert.True(result.EpochsCompleted < 60);
        Assert.Equal(result.EpochsCompleted - 1, result.BestEpoch);
        Assert.Equal(result.History.Min(h => h.ValidationLoss), result.BestValidationLoss);
        train.Dispose(); validation.Dispose();
    }
}
