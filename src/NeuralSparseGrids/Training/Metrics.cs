using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The project's metrics module: evaluation metrics of one split (regression fields are NaN for classification and
/// vice versa), and the tensor forms the training loops use (loss, accuracy, predicted labels).
/// </summary>
public sealed record Metrics
{
    /// <summary>Mean squared error over all outputs (Eq. 2.21).</summary>
    public double Mse { get; init; } = double.NaN;

    /// <summary>Mean absolute error.</summary>
    public double Mae { get; init; } = double.NaN;

    /// <summary>Standard deviation of the residuals.</summary>
    public double ResidualStd { get; init; } = double.NaN;

    /// <summary>Fraction of correctly classified rows.</summary>
    public double Accuracy { get; init; } = double.NaN;

    /// <summary>Mean cross-entropy.</summary>
    public double CrossEntropy { get; init; } = double.NaN;

    /// <summary>Rows evaluated.</summary>
    public int Count { get; init; }

    /// <summary>Regression metrics of predictions against targets, both (rows, outputs) row-major.</summary>
    public static Metrics Regression(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        if (predicted.Length != actual.Length) throw new ArgumentException($"{predicted.Length} predictions for {actual.Length} targets.");
        int n = predicted.Length;
        double se = 0, ae = 0, sum = 0;
        for (int i = 0; i < n; i++)
        {
            double r = predicted[i] - actual[i];
            se += r * r; ae += Math.Abs(r); sum += r;
        }
        double mean = sum / n;
        double var = 0;
        for (int i = 0; i < n; i++) { double d = predicted[i] - actual[i] - mean; var += d * d; }
        return new Metrics { Mse = se / n, Mae = ae / n, ResidualStd = Math.Sqrt(var / Math.Max(n - 1, 1)), Count = n };
    }

    /// <summary>Classification metrics from class probabilities (rows, classes) row-major and labels.</summary>
    public static Metrics Classification(ReadOnlySpan<double> probabilities, int classes, ReadOnlySpan<int> labels)
    {
        int n = labels.Length;
        if (probabilities.Length != n * classes) throw new ArgumentException($"{probabilities.Length} probabilities for {n} rows of {classes} classes.");
        int correct = 0;
        double ce = 0;
        for (int i = 0; i < n; i++)
        {
            var row = probabilities.Slice(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            if (best == labels[i]) correct++;
            ce -= Math.Log(Math.Max(row[labels[i]], 1e-12));
        }
        return new Metrics { Accuracy = correct / (double)n, CrossEntropy = ce / n, Count = n };
    }

    /// <summary>
    /// Loss and metric of model outputs: cross-entropy and accuracy for class labels y (rows) of dtype Int64 with
    /// logits (rows, classes); MSE and MSE for regression targets y (rows, outputs).
    /// </summary>
    public static (double Loss, double Metric) LossAndMetric(Tensor output, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        if (y.dtype == ScalarType.Int64)
            return (nn.functional.cross_entropy(output, y).item<float>(), ClassificationAccuracy(output, y));
        double mse = nn.functional.mse_loss(output, y).item<float>();
        return (mse, mse);
    }

    /// <summary>Fraction of rows whose largest logit (rows, classes) is at the label (rows).</summary>
    public static double ClassificationAccuracy(Tensor logits, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        return PredictedLabels(logits).eq(labels).to(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>The predicted class of each row of logits or probabilities (rows, classes): (rows) Int64.</summary>
    public static Tensor PredictedLabels(Tensor scores) => scores.argmax(1);
}
