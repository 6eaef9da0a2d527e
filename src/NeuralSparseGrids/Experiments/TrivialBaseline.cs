using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// The predictor that ignores the inputs: the training mean of each target (regression) or the most frequent
/// training class (classification). Any model worth keeping scores better on the same test split.
/// </summary>
public static class TrivialBaseline
{
    /// <summary>Fits on <paramref name="train"/> and scores <paramref name="test"/> with the same metrics as the model.</summary>
    public static TestMetrics Evaluate(TrainingSplit train, TrainingSplit test, DataScaling scaling, int outputs)
    {
        using var scope = torch.NewDisposeScope();
        Tensor output;
        if (train.IsClassification)
        {
            var counts = torch.bincount(train.Y, minlength: outputs);
            long majority = counts.argmax().item<long>();
            // Logits that put (almost) all probability on the majority class.
            output = torch.nn.functional.one_hot(torch.full(test.Count, majority, ScalarType.Int64), outputs).to(ScalarType.Float32) * 20f;
        }
        else
        {
            output = train.Y.mean([0], keepdim: true).expand(test.Count, -1);
        }
        return ModelEvaluation.EvaluateOutputs(output, test, scaling, outputs);
    }

    /// <summary>Describes the model's score next to the trivial predictor's, for the console.</summary>
    public static string Compare(TestMetrics model, TestMetrics trivial) => model.Accuracy is double a
        ? $"majority-class predictor on the same test split: accuracy {trivial.Accuracy:F4} (model {a:F4})"
        : $"mean predictor on the same test split: MSE {trivial.Mse:G4} normalised, {trivial.MseRaw:G4} raw (model {model.Mse:G4}, {model.MseRaw:G4})";
}
