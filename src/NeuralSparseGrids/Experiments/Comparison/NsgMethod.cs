using NeuralSparseGrids.Data;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// The Neural Sparse Grid of <c>nsg train</c> (<see cref="HeadKind.SparseGrid"/>, method `nsg`) or the same encoder
/// with the equal-parameter dense head of thesis Eq. 3.27 (<see cref="HeadKind.Dense"/>, method `ann`), trained by
/// <see cref="NsgTrainer"/> with the given options: validation for early stopping and restoring the best epoch.
/// Regression targets are min-max scaled with the training part's statistics for training (as <c>nsg train</c> does)
/// and predictions mapped back to target units.
/// </summary>
/// <param name="name">Method name.</param>
/// <param name="model">Model settings (Inputs, Outputs and Task are filled in from the data).</param>
/// <param name="training">Training settings (the seed is replaced by the split's).</param>
public sealed class NsgMethod(string name, NsgModelConfig model, TrainingOptions training) : IComparisonMethod
{
    /// <inheritdoc />
    public string Name => name;

    /// <summary>Model settings.</summary>
    public NsgModelConfig Model => model;

    /// <summary>Training settings.</summary>
    public TrainingOptions Training => training;

    /// <inheritdoc />
    public string? NotApplicable(ComparisonProblem problem) =>
        model.Encoder is CnnEncoderConfig cnn && problem.Inputs != cnn.ImageSize * cnn.ImageSize
            ? $"the CNN encoder needs {cnn.ImageSize}x{cnn.ImageSize} images" : null;

    /// <inheritdoc />
    public IFittedMethod Fit(DatasetSplit split, int seed)
    {
        TorchRuntime.EnsureLoaded();
        var data = split.Train;
        var targets = data.Task == DatasetTask.Regression ? MinMaxScaler.Fit(data.Targets!) : null;
        var config = model with
        {
            Inputs = data.Columns,
            Outputs = data.Task == DatasetTask.Classification ? data.ClassCount : data.TargetCount,
            Task = data.Task == DatasetTask.Classification ? NsgTask.Classification : NsgTask.Regression,
        };
        var network = NeuralSparseGrid.Create(config, seed);
        try
        {
            using var train = PreparedData.ToSplit(split.Train, null, targets);
            using var validation = split.Validation.Rows > 0 ? PreparedData.ToSplit(split.Validation, null, targets) : null;
            var result = new NsgTrainer(network, training with { Seed = seed }).Fit(train, validation);
            if (result.Divergence != null) throw new InvalidOperationException($"training diverged: {result.Divergence}");
            string detail = $"{result.EpochsCompleted} epochs (best {result.BestEpoch})";
            if (training.Adaptivity.Mode != AdaptMode.None) detail += $", grid {network.Grid.PointCount} points";
            return new Fitted(network, targets, detail);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private sealed class Fitted(NeuralSparseGrid network, MinMaxScaler? targets, string detail) : IFittedMethod
    {
        public string Detail => detail;

        public double[] Predict(Dataset data)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            network.eval();
            var x = torch.tensor(Array.ConvertAll(data.Features, v => (float)v), [data.Rows, data.Columns]);
            var output = Predictor.Forward(network, x);
            if (targets == null) return output.argmax(1).to(ScalarType.Float64).data<double>().ToArray();
            return targets.InverseTransform(output.to(ScalarType.Float64).data<double>().ToArray(), data.Rows);
        }

        public void Dispose() => network.Dispose();
    }
}
