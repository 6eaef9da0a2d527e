using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using Xunit.Abstractions;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public class NsgTrainerTests(ITestOutputHelper output)
{
    private static readonly NsgModelConfig SmallModel = new() { Inputs = 3, HiddenLayers = [16, 16], Latent = 2, Level = 4 };

    [Theory]
    [InlineData(TrainingMethod.Gradient)]
    [InlineData(TrainingMethod.LeastSquares)]
    [InlineData(TrainingMethod.IterativeLeastSquares)]
    public void TrainingBeatsTheMeanPredictorTenfold(TrainingMethod method)
    {
        TorchRuntime.EnsureLoaded();
        var (train, validation) = TinySwissRoll.Create(1200, seed: 5);
        using var model = NeuralSparseGrid.Create(SmallModel, seed: 2);
        var options = new TrainingOptions
        {
            Method = method, Epochs = 40, BatchSize = 32, LearningRate = method == TrainingMethod.Gradient ? 0.01 : 0.003,
            Lambda = 1e-3, IlsIterations = 10, Seed = 3,
        };
        var result = new NsgTrainer(model, options).Fit(train, validation);
        double mse = result.BestValidationLoss;
        double baseline = TinySwissRoll.MeanPredictorMse(train, validation);
        output.WriteLine($"{method}: validation MSE {mse:G4}, mean predictor {baseline:G4}, {result.Seconds:F1} s");
        Assert.Null(result.Divergence);
        Assert.True(mse * 10 < baseline, $"MSE {mse} is not 10x below the mean predictor's {baseline}");
        train.Dispose(); validation.Dispose();
    }
}
