using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Experiments;

[Collection("Torch")]
public sealed class TinyCnnTrainingTests
{
    /// <summary>Flattened 28x28 images in [0,1]: class 0 a bright vertical bar, class 1 a horizontal one, at random positions, with noise.</summary>
    private static TrainingSplit Bars(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * 784];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            int at = 6 + random.Next(16);
            for (int p = 0; p < 784; p++)
            {
                int r = p / 28, c = p % 28;
                bool on = labels[i] == 0 ? Math.Abs(c - at) <= 1 && r is > 4 and < 24 : Math.Abs(r - at) <= 1 && c is > 4 and < 24;
                x[i * 784 + p] = (float)Math.Clamp((on ? 0.9 : 0.05) + 0.1 * (random.NextDouble() - 0.5), 0, 1);
            }
        }
        return TrainingSplit.Classification(x, 784, labels, 2);
    }

    [Fact]
    public void Width_4_cnn_nsg_on_flattened_28x28_images_lowers_its_loss()
    {
        using var train = Bars(96, seed: 3);
        var config = new NsgModelConfig
        {
            Task = NsgTask.Classification, Inputs = 784, Outputs = 2, Encoder = new CnnEncoderConfig { Width = 4 },
            Latent = 2, Grid = new GridConfig { Level = 3 }, Rescale = Rescaling.Parse("margin:0.1"),
        };
        using var model = NeuralSparseGrid.Create(config, seed: 5);
        var trainer = new NsgTrainer(model, new TrainingOptions { Epochs = 3, BatchSize = 16, LearningRate = 0.01, Seed = 7 });
        var (before, _) = trainer.Evaluate(train);
        var result = trainer.Fit(train);
        var (after, accuracy) = trainer.Evaluate(train);
        Assert.Null(result.Divergence);
        Assert.True(after < 0.8 * before, $"loss {before:F4} -> {after:F4}");
        Assert.True(accuracy > 0.8, $"accuracy {accuracy:F3}");
    }
}
