using Microsoft.ML;
using Microsoft.ML.Trainers;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.ML.Baselines;

/// <summary>
/// Linear models, method `linear`: ridge regression (closed form in float64 on centred inputs and targets, so the
/// intercept is not penalised) for regression, and multinomial logistic regression (ML.NET's L-BFGS maximum entropy
/// trainer, L2-regularised) for classification. The regularisation strength is the candidate with the best validation
/// score.
/// </summary>
public sealed class LinearBaseline : IComparisonMethod
{
    /// <summary>Ridge candidates λ per training row (penalty λ rows ||w||^2 next to the summed squared error).</summary>
    public static readonly double[] RidgeLambdas = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];

    /// <summary>L2 weights tried for the logistic regression.</summary>
    public static readonly double[] LogisticL2 = [1e-4, 1e-2, 1];

    /// <inheritdoc />
    public string Name => "linear";

    /// <inheritdoc />
    public string? NotApplicable(ComparisonProblem problem) => null;

    /// <inheritdoc />
    public IFittedMethod Fit(DatasetSplit split, int seed)
    {
        var validation = split.Validation.Rows > 0 ? split.Validation : split.Train;
        IFittedMethod? best = null;
        double bestScore = double.NegativeInfinity;
        bool classification = split.Train.Task == DatasetTask.Classification;
        foreach (double lambda in classification ? LogisticL2 : RidgeLambdas)
        {
            IFittedMethod candidate = classification ? FitLogistic(split.Train, lambda, seed) : Ridge.Fit(split.Train, lambda);
            double score = ComparisonRunner.Score(candidate.Predict(validation), validation) * (classification ? 1 : -1);
            if (score > bestScore)
            {
                best?.Dispose();
                (best, bestScore) = (candidate, score);
            }
            else candidate.Dispose();
        }
        return best!;
    }

    private static MlNetFitted FitLogistic(Dataset train, double l2, int seed)
    {
        var ml = new MLContext(seed);
        var trainer = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            L2Regularization = (float)l2, L1Regularization = 0, MaximumNumberOfIterations = 1000,
        });
        return new MlNetFitted(ml, [MlNetData.Classifier(ml, trainer).Fit(MlNetData.ToDataView(ml, train))], $"multinomial logistic, L2 {l2:G2}");
    }

    /// <summary>Ridge regression w = argmin ||(X - mean) w - (y - mean)||^2 + λ rows ||w||^2, via <see cref="RidgeSolver"/>.</summary>
    private sealed class Ridge(double[] weights, double[] intercept, int columns, int outputs, string detail) : IFittedMethod
    {
        public string Detail => detail;

        public static Ridge Fit(Dataset train, double lambda)
        {
            TorchRuntime.EnsureLoaded();
            using var scope = torch.NewDisposeScope();
            int n = train.Rows, d = train.Columns, p = train.TargetCount;
            var x = torch.tensor(train.Features, [n, d], ScalarType.Float64);
            var y = torch.tensor(DatasetArrays.TargetsRowMajor(train), [n, p], ScalarType.Float64);
            var xMean = x.mean([0]);
            var yMean = y.mean([0]);
            var w = RidgeSolver.Solve(x - xMean, y - yMean, lambda * n);
            var b = yMean - xMean.matmul(w);
            return new Ridge(w.contiguous().data<double>().ToArray(), b.data<double>().ToArray(), d, p, $"ridge, lambda {lambda:G2}");
        }

        public double[] Predict(Dataset data)
        {
            var result = new double[data.Rows * outputs];
            for (int i = 0; i < data.Rows; i++)
                for (int k = 0; k < outputs; k++)
                {
                    double s = intercept[k];
                    for (int j = 0; j < columns; j++) s += data.Features[i * columns + j] * weights[j * outputs + k];
                    result[i * outputs + k] = s;
                }
            return result;
        }

        public void Dispose() { }
    }
}
