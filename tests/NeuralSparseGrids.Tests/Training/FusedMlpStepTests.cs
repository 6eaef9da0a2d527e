using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>
/// The fused small-MLP training step against the autograd path it replaces: the same loss and the same gradient of
/// every parameter (to float32 rounding) for each activation, rescaling and task; the same training trajectory; and
/// the cases that must stay on the autograd path.
/// </summary>
[Collection("Torch")]
public sealed class FusedMlpStepTests
{
    public FusedMlpStepTests() => TorchRuntime.EnsureLoaded();

    private static NsgModelConfig Config(Activation activation, string rescale, bool classification) => new()
    {
        Task = classification ? NsgTask.Classification : NsgTask.Regression,
        Inputs = 3,
        Outputs = classification ? 3 : 2,
        // A gain of 4 spreads the initial embeddings over many cells, so the check sees many hat functions and kinks.
        Encoder = new MlpEncoderConfig { HiddenLayers = [9, 7], Activation = activation, LatentInitGain = 4 },
        Latent = 2,
        Grid = new GridConfig { Level = 4 },
        Rescale = Rescaling.Parse(rescale),
    };

    private static TrainingSplit Data(bool classification, int rows, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, rows * 3).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        return classification
            ? TrainingSplit.Classification(x, 3, Enumerable.Range(0, rows).Select(_ => random.Next(3)).ToArray(), 3)
            : TrainingSplit.Regression(x, 3, Enumerable.Range(0, rows * 2).Select(_ => (float)random.NextDouble()).ToArray(), 2);
    }

    public static TheoryData<Activation, string, bool> Cases()
    {
        var data = new TheoryData<Activation, string, bool>();
        foreach (var activation in Enum.GetValues<Activation>())
            foreach (string rescale in new[] { "sigmoid", "tanh", "margin:0.1" })
                foreach (bool classification in new[] { false, true })
                    data.Add(activation, rescale, classification);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossAndGradientsMatchAutograd(Activation activation, string rescale, bool classification)
    {
        var config = Config(activation, rescale, classification);
        using var model = NeuralSparseGrid.Create(config, seed: 5);
        using (no_grad()) model.Layer.Coefficients.normal_(0, 1);   // non-trivial coefficients: dL/dh is not small
        using var data = Data(classification, 50, seed: 2);
        int[] rows = [.. Enumerable.Range(0, 37).Select(i => (i * 17 + 3) % 50), 4, 4];   // a shuffled batch with a repeated row

        using var index = tensor(rows.Select(r => (long)r).ToArray());
        foreach (var p in model.parameters()) p.grad?.zero_();
        double expectedLoss;
        using (var scope = NewDisposeScope())
        {
            var loss = MethodSteps.GradientLoss(model, data.X.index_select(0, index), data.Y.index_select(0, index));
            expectedLoss = loss.item<float>();
            loss.backward();
        }
        var expected = model.parameters().Select(p => p.grad!.clone()).ToList();
        foreach (var p in model.parameters()) p.grad!.fill_(123);   // the step must overwrite, not accumulate

        var step = FusedMlpStep.TryCreate(model, new TrainingOptions(), data);
        Assert.NotNull(step);
        double fusedLoss = step.Run(data.X, data.Y, rows);

        Assert.Equal(expectedLoss, fusedLoss, 1e-5 * Math.Abs(expectedLoss));
        foreach (var (p, want) in model.named_parameters().Zip(expected))
        {
            double scale = want.abs().max().item<float>(), error = (p.parameter.grad! - want).abs().max().item<float>();
            Assert.True(error <= 1e-5 * scale + 1e-7, $"{p.name}: gradient differs by {error:g3} (largest entry {scale:g3})");
            want.Dispose();
        }
    }

    [Fact]
    public void TrainingFollowsTheAutogradTrajectory()
    {
        var (train, validation) = TinySwissRoll.Create(400, seed: 3);
        var config = new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [25, 25] }, Latent = 2, Grid = new GridConfig { Level = 5 } };
        var options = new TrainingOptions { Epochs = 4, BatchSize = 32, LearningRate = 0.01, Seed = 1, RestoreBest = false };
        double[] Losses(bool fused)
        {
            using var model = NeuralSparseGrid.Create(config, seed: 1);
            var result = new NsgTrainer(model, options with { FusedStep = fused }).Fit(train, validation);
            return [.. result.History.Select(e => e.TrainLoss), .. result.History.Select(e => e.ValidationLoss)];
        }
        var autograd = Losses(fused: false);
        var fused = Losses(fused: true);
        for (int i = 0; i < autograd.Length; i++)
            Assert.True(Math.Abs(fused[i] - autograd[i]) <= 1e-3 * autograd[i], $"loss {i}: fused {fused[i]} vs autograd {autograd[i]}");
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void OnlySmallFloat32MlpModelsOfTheGradientMethodTakeTheFusedStep()
    {
        using var data = Data(classification: false, 20, seed: 1);
        var config = Config(Activation.ReLU, "sigmoid", classification: false);
        using var model = NeuralSparseGrid.Create(config, seed: 1);
        Assert.NotNull(FusedMlpStep.TryCreate(model, new TrainingOptions(), data));
        Assert.Null(FusedMlpStep.TryCreate(model, new TrainingOptions { FusedStep = false }, data));
        Assert.Null(FusedMlpStep.TryCreate(model, new TrainingOptions { Spread = 0.1 }, data));
        Assert.Null(FusedMlpStep.TryCreate(model, new TrainingOptions { Method = TrainingMethod.IterativeLeastSquares }, data));
        using var dense = NeuralSparseGrid.Create(config with { Head = HeadKind.Dense }, seed: 1);
        Assert.Null(FusedMlpStep.TryCreate(dense, new TrainingOptions(), data));
        using var wide = NeuralSparseGrid.Create(config with { Encoder = new MlpEncoderConfig { HiddenLayers = [100, 100] } }, seed: 1);
        Assert.Null(FusedMlpStep.TryCreate(wide, new TrainingOptions(), data));
        model.Layer.Path = LayerPath.TensorOps;
        Assert.Null(FusedMlpStep.TryCreate(model, new TrainingOptions(), data));
    }
}
