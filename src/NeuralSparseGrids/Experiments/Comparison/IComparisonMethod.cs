using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// What every method of a comparison learns: the task, the encoded input width and the classes. The same for every
/// split of one data set.
/// </summary>
/// <param name="Task">Regression or classification.</param>
/// <param name="Inputs">Columns of the encoded (one-hot, scaled) inputs every method sees.</param>
/// <param name="Rows">Rows of the whole data set (before splitting).</param>
/// <param name="ClassNames">Class names (classification), indexed by label; empty for regression.</param>
public sealed record ComparisonProblem(DatasetTask Task, int Inputs, int Rows, string[] ClassNames)
{
    /// <summary>Number of classes (0 for regression).</summary>
    public int Classes => ClassNames.Length;

    /// <summary>The problem of a (preprocessed) data set.</summary>
    public static ComparisonProblem Of(Dataset data) => new(data.Task, data.Columns, data.Rows, data.ClassNames);
}

/// <summary>
/// One learner of <c>nsg compare</c> (NSG, its equal-parameter ANN, ridge/logistic regression, boosted trees, the
/// classic sparse grid). Implementations live where their dependencies are allowed: ML.NET ones in
/// NeuralSparseGrids.ML, composed by the CLI.
/// </summary>
public interface IComparisonMethod
{
    /// <summary>Short name as on the command line (`nsg`, `ann`, `linear`, `trees`, `sg`).</summary>
    string Name { get; }

    /// <summary>Why the method does not apply to <paramref name="problem"/> (e.g. too many inputs), or null when it does.</summary>
    string? NotApplicable(ComparisonProblem problem);

    /// <summary>
    /// Fits on <paramref name="split"/>'s training part; the validation part may be used for model selection
    /// (regularisation, early stopping), the test part must not be touched. Features are already preprocessed; regression
    /// targets are in the user's units.
    /// </summary>
    /// <param name="split">Train/validation/test of one seeded split (the test part is there only to keep one type).</param>
    /// <param name="seed">Seed of every random choice of the method (weights, shuffles, bagging).</param>
    IFittedMethod Fit(DatasetSplit split, int seed);
}

/// <summary>A fitted comparison method.</summary>
public interface IFittedMethod : IDisposable
{
    /// <summary>Which variant actually ran and what was chosen on validation (e.g. "LightGBM, 212 trees", "lambda 0.1").</summary>
    string Detail { get; }

    /// <summary>
    /// Predictions for <paramref name="data"/>: class labels (0 .. classes-1) as doubles for classification, one per
    /// row; regression values in target units, (rows, outputs) row-major.
    /// </summary>
    double[] Predict(Dataset data);
}

/// <summary>Flat views of a data set's arrays.</summary>
public static class DatasetArrays
{
    /// <summary>Regression targets as a (rows, outputs) row-major copy.</summary>
    public static double[] TargetsRowMajor(Dataset data)
    {
        var targets = data.Targets ?? throw new InvalidOperationException("A classification data set has no regression targets.");
        var flat = new double[targets.Length];
        Buffer.BlockCopy(targets, 0, flat, 0, targets.Length * sizeof(double));
        return flat;
    }
}
