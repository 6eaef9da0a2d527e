using NeuralSparseGrids.Data;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Regression;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// The classic sparse grid learner (<see cref="SparseGridRegression"/>, one-vs-all <see cref="SparseGridClassifier"/>)
/// directly on the encoded inputs, method `sg`. Only where the inputs have at most <see cref="MaxInputs"/> columns: a
/// regular sparse grid's size grows too fast beyond. Level and regularisation are chosen on the validation part from a
/// small candidate set.
/// </summary>
public sealed class SparseGridMethod : IComparisonMethod
{
    /// <summary>Most input columns the method is run on.</summary>
    public const int MaxInputs = 10;

    /// <summary>Candidate levels (those whose grid fits the default budget are tried).</summary>
    public static readonly int[] Levels = [2, 3, 4];

    /// <summary>Candidate ridge parameters λ per training row (the penalty λ rows ||alpha||^2 keeps its weight against the
    /// squared error summed over rows).</summary>
    public static readonly double[] Lambdas = [1e-4, 1e-3, 1e-2];

    /// <inheritdoc />
    public string Name => "sg";

    /// <inheritdoc />
    public string? NotApplicable(ComparisonProblem problem) =>
        problem.Inputs > MaxInputs ? $"{problem.Inputs} encoded inputs; the classic sparse grid is run on at most {MaxInputs}" : null;

    /// <inheritdoc />
    public IFittedMethod Fit(DatasetSplit split, int seed)
    {
        var train = split.Train;
        bool classification = train.Task == DatasetTask.Classification;
        var validation = split.Validation.Rows > 0 ? split.Validation : train;
        Fitted? best = null;
        double bestScore = double.NegativeInfinity;
        foreach (int level in Levels)
        {
            // A grid on many points with few rows is all regularisation: stop at grids larger than the training part.
            if (GridSize.Points(train.Columns, level, GridType.ModifiedLinear) > Math.Max(train.Rows, 64)) break;
            foreach (double lambda in Lambdas)
            {
                var options = new SparseGridRegressionOptions { Level = level, Lambda = lambda * train.Rows };
                var candidate = classification
                    ? new Fitted(SparseGridClassifier.Fit(train.Features, train.Labels!, train.Columns, options), null, $"level {level}, lambda {lambda:G2}")
                    : new Fitted(null, SparseGridRegression.Fit(train.Features, DatasetArrays.TargetsRowMajor(train), train.Columns, train.TargetCount, options), $"level {level}, lambda {lambda:G2}");
                // Higher is better: accuracy, or minus the RMSE.
                double score = ComparisonRunner.Score(candidate.Predict(validation), validation) * (classification ? 1 : -1);
                if (score > bestScore) (best, bestScore) = (candidate, score);
            }
        }
        return best ?? throw new InvalidOperationException($"no sparse grid of level {Levels[0]} fits {train.Rows} training rows in {train.Columns} dimensions.");
    }

    private sealed class Fitted(SparseGridClassifier? classifier, SparseGridRegression? regression, string detail) : IFittedMethod
    {
        public string Detail => detail;

        public double[] Predict(Dataset data) =>
            classifier != null ? Array.ConvertAll(classifier.Predict(data.Features), l => (double)l) : regression!.Predict(data.Features);

        public void Dispose() { }
    }
}
