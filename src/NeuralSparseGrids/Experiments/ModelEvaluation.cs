using NeuralSparseGrids.Data;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Evaluates a trained model on a scaled split, reporting normalised and raw-unit metrics.</summary>
public static class ModelEvaluation
{
    /// <summary>Metrics of <paramref name="model"/> on <paramref name="split"/> (scaled with <paramref name="scaling"/>).</summary>
    public static TestMetrics Evaluate(NeuralSparseGrid model, TrainingSplit split, DataScaling scaling)
    {
        using var output = Outputs(model, split);
        return EvaluateOutputs(output, split, scaling, model.Config.Outputs);
    }

    /// <summary>The model's outputs (rows, outputs) on a split, in evaluation mode without gradients; the caller owns them.</summary>
    public static Tensor Outputs(NeuralSparseGrid model, TrainingSplit split)
    {
        model.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return Predictor.Forward(model, split.X).MoveToOuterDisposeScope();
    }

    /// <summary>Metrics of model outputs (rows, outputs) against <paramref name="split"/>'s targets (scaled with <paramref name="scaling"/>).</summary>
    public static TestMetrics EvaluateOutputs(Tensor output, TrainingSplit split, DataScaling scaling, int outputs)
    {
        using var scope = torch.NewDisposeScope();
        if (split.IsClassification)
        {
            var probabilities = nn.functional.softmax(output, 1).to(ScalarType.Float64).data<double>().ToArray();
            var labels = split.Y.data<long>().ToArray().Select(l => (int)l).ToArray();
            var m = Metrics.Classification(probabilities, outputs, labels);
            return new TestMetrics { Accuracy = m.Accuracy, Count = m.Count };
        }
        var predicted = output.to(ScalarType.Float64).data<double>().ToArray();
        var actual = split.Y.to(ScalarType.Float64).data<double>().ToArray();
        var normalised = Metrics.Regression(predicted, actual);
        var raw = normalised;
        if (scaling.Targets != null)
        {
            var scaler = MinMaxScaler.FromState(scaling.Targets);
            int rows = split.Count;
            raw = Metrics.Regression(scaler.InverseTransform(predicted, rows), scaler.InverseTransform(actual, rows));
        }
        return TestMetrics.Regression(normalised, raw);
    }
}
