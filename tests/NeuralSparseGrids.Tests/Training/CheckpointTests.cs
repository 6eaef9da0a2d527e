using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public sealed class CheckpointTests : IDisposable
{
    private static readonly NsgModelConfig Config = new() { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [8] }, Latent = 2, Grid = new GridConfig { Level = 3 } };
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-ckpt").FullName;

    public CheckpointTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, LearningRate = 0.01, Seed = 9 };

    [Fact]
    public void ASavedModelLoadsAndPredictsTheSame()
    {
        var (train, validation) = TinySwissRoll.Create(300, seed: 1);
        using var model = NeuralSparseGrid.Create(Config, seed: 4);
        new NsgTrainer(model, Options(3)).Fit(train, validation, _dir);
        Assert.True(Checkpoint.Exists(_dir));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        var (loaded, state) = Checkpoint.LoadModel(_dir);
        using (loaded)
        using (torch.no_grad())
        {
            var expected = model.forward(validation.X);
            var actual = loaded.forward(validation.X);
            Assert.Equal(0.0, (expected - actual).abs().max().item<float>(), 6);
        }
        Assert.Equal(3, state.Epoch);
        Assert.Equal(Config.Grid.Level, state.Model.Grid.Level);
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void ResumingGivesTheSameLossesAsAnUninterruptedRun()
    {
        var (train, validation) = TinySwissRoll.Create(300, seed: 2);
        List<EpochReport> full;
        using (var model = NeuralSparseGrid.Create(Config, seed: 5))
            full = [.. new NsgTrainer(model, Options(6) with { RestoreBest = false }).Fit(train, validation).History];

        using (var model = NeuralSparseGrid.Create(Config, seed: 5))
            new NsgTrainer(model, Options(3) with { RestoreBest = false }).Fit(train, validation, _dir);
        TrainingResult resumed;
        using (var model = NeuralSparseGrid.Create(Config, seed: 77)) // different init: the checkpoint must overwrite it
            resumed = new NsgTrainer(model, Options(6) with { RestoreBest = false }).Fit(train, validation, _dir, resume: true);

        Assert.Equal(6, resumed.History.Count);
        List<EpochReport> again;
        using (var model = NeuralSparseGrid.Create(Config, seed: 5))
            again = [.. new NsgTrainer(model, Options(6) with { RestoreBest = false }).Fit(train, validation).History];
        for (int e = 0; e < 6; e++)
            Assert.True(full[e].TrainLoss == again[e].TrainLoss, $"two uninterrupted runs differ at epoch {e + 1}: {full[e].TrainLoss} vs {again[e].TrainLoss}");
        for (int e = 0; e < 6; e++)
        {
            Assert.True(Math.Abs(full[e].TrainLoss - resumed.History[e].TrainLoss) < 1e-10, $"epoch {e + 1}: {full[e].TrainLoss} vs resumed {resumed.History[e].TrainLoss}");
            Assert.Equal(full[e].ValidationLoss, resumed.History[e].ValidationLoss, 10);
        }
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void ResumeWithoutCheckpointIsAClearError()
    {
        var (train, validation) = TinySwissRoll.Create(100, seed: 3);
        using var model = NeuralSparseGrid.Create(Config, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => new NsgTrainer(model, Options(2)).Fit(train, validation, Path.Combine(_dir, "none"), resume: true));
        Assert.Contains("no checkpoint", e.Message);
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void DivergenceIsDetectedAndTheLastGoodParametersKept()
    {
        var (train, validation) = TinySwissRoll.Create(200, seed: 4);
        using var model = NeuralSparseGrid.Create(Config, seed: 1);
        var trainer = new NsgTrainer(model, Options(6));
        trainer.Callbacks.Add(new PoisonAfterEpoch(model, epoch: 2));
        var result = trainer.Fit(train, validation);
        Assert.NotNull(result.Divergence);
        Assert.Equal(TrainingStatus.Diverged, result.Status);
        Assert.Equal(2, result.EpochsCompleted);
        Assert.All(model.parameters(), p => Assert.True(torch.isfinite(p).all().item<bool>()));
        train.Dispose(); validation.Dispose();
    }

    [Fact]
    public void BurstDetectorCountsARecoveredSpike()
    {
        var detector = new LossBurstDetector(factor: 10);
        for (int i = 0; i < 30; i++) detector.Observe(1.0 + 0.01 * (i % 3));
        detector.Observe(50);
        Assert.True(detector.InBurst);
        detector.Observe(20);
        Assert.True(detector.Observe(1.1));
        Assert.Equal(1, detector.Bursts);
        Assert.False(detector.InBurst);
    }

    // Writes NaN into a weight at the end of an epoch, as an exploding step would.
    private sealed class PoisonAfterEpoch(NeuralSparseGrid model, int epoch) : ITrainingCallback
    {
        public void OnEpochEnd(NeuralSparseGrid m, EpochReport report)
        {
            if (report.Epoch != epoch) return;
            using var noGrad = torch.no_grad();
            model.Encoder.parameters().First().fill_(float.NaN);
        }
    }

    // A state.json as written before the model and training options were split by concern: the rescaling as its CLI
    // string and the LS/ILS/gradient settings flat.
    [Fact]
    public void AStateWrittenBeforeTheOptionsSplitStillLoadsWithItsSettings()
    {
        File.WriteAllText(Path.Combine(_dir, Checkpoint.StateFile), """
            {
              "formatVersion": 1,
              "model": { "task": "Regression", "inputs": 3, "encoder": "Mlp", "hiddenLayers": [8], "activation": "ReLU",
                         "latent": 2, "level": 3, "grid": "Linear", "rescale": "margin:0.2", "head": "SparseGrid", "outputs": 1 },
              "options": { "method": "IterativeLeastSquares", "learningRate": 0.005, "coefficientLearningRateScale": 3,
                           "frozenEncoderEpochs": 0, "lambda": 0.05, "ilsIterations": 7, "epochs": 20, "batchSize": 64,
                           "solveBatchSize": 512, "seed": 4, "gradientClipNorm": null, "torchThreads": null },
              "epoch": 0, "history": [], "bestEpoch": 0, "bestValidationLoss": "Infinity", "bursts": 0, "metadata": {}
            }
            """);
        var state = Checkpoint.ReadState(_dir);
        Assert.Equal(new Rescaling(RescaleKind.Margin, 0.2), state.Model.Rescale);
        Assert.Equal([8], Assert.IsType<MlpEncoderConfig>(state.Model.Encoder).HiddenLayers);
        Assert.Equal(new GridConfig { Type = GridType.Linear, Level = 3 }, state.Model.Grid);
        Assert.Equal(TrainingMethod.IterativeLeastSquares, state.Options.Method);
        Assert.Equal(0.05, state.Options.LeastSquares.Lambda);
        Assert.Equal(512, state.Options.LeastSquares.SolveBatchSize);
        Assert.Equal(7, state.Options.Ils.Iterations);
        Assert.Equal(3, state.Options.Gradient.CoefficientLearningRateScale);
        Assert.Equal(4, state.Options.Seed);
        // Written back, the state uses the new shape only.
        Checkpoint.WriteState(_dir, state);
        string json = File.ReadAllText(Path.Combine(_dir, Checkpoint.StateFile));
        Assert.DoesNotContain("\"ilsIterations\"", json);
        Assert.Contains("\"rescale\": \"margin:0.2\"", json);
        Assert.DoesNotContain("\"hiddenLayers\": [", json.Split("\"encoder\"")[0]); // the MLP widths moved into the encoder record
        Assert.Equal(state.Model, Checkpoint.ReadState(_dir).Model);
        Assert.Equal(state.Options, Checkpoint.ReadState(_dir).Options);
    }
}
