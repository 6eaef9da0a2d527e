using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// The data of a comparison: one seeded train/validation/test split per seed, preprocessed with statistics of that
/// split's training part only, identical for every method.
/// </summary>
public interface IComparisonData
{
    /// <summary>Task, encoded input width and classes.</summary>
    ComparisonProblem Problem { get; }

    /// <summary>The split of <paramref name="seed"/>, preprocessed (fitted on its training part).</summary>
    DatasetSplit Split(int seed);
}

/// <summary>
/// Splits of an all-numeric <see cref="Dataset"/>: seeded (stratified for classification) 70/15/15 parts, features
/// min-max scaled into [0, 1] with the training part's statistics (thesis Eq. 3.19). Targets stay in their units.
/// </summary>
public sealed class ScaledSplits(Dataset data, (double Train, double Validation, double Test) fractions) : IComparisonData
{
    /// <summary>The protocol of the benchmark suite: 70 % training, 15 % validation, 15 % test.</summary>
    public static readonly (double Train, double Validation, double Test) Protocol = (0.7, 0.15, 0.15);

    /// <summary>Splits with the suite's 70/15/15 protocol.</summary>
    public ScaledSplits(Dataset data) : this(data, Protocol) { }

    /// <inheritdoc />
    public ComparisonProblem Problem { get; } = ComparisonProblem.Of(data);

    /// <inheritdoc />
    public DatasetSplit Split(int seed)
    {
        var split = DatasetSplitter.Split(data, fractions.Train, fractions.Validation, fractions.Test, seed);
        var scaler = MinMaxScaler.FitFeatures(split.Train);
        return new DatasetSplit(scaler.TransformFeatures(split.Train), scaler.TransformFeatures(split.Validation), scaler.TransformFeatures(split.Test));
    }
}

/// <summary>
/// Splits of a table file as it comes (<see cref="RawTable"/>): per seed, <see cref="TableSplit.Create"/> splits the rows
/// (stratified for classification) and fits the preprocessing (one-hot categories, missing values, input scaling) on
/// that split's training part, exactly as <c>nsg train</c> prepares the file. Targets stay in their units.
/// </summary>
public sealed class TableSplits : IComparisonData
{
    private readonly RawTable _table;
    private readonly TableOptions _options;
    private readonly (double Train, double Validation, double Test) _fractions;

    /// <summary>Prepares the splits; the first split (seed 1) is made here to learn the problem's shape.</summary>
    /// <param name="table">The file as read.</param>
    /// <param name="options">Target, task, dropped columns and preprocessing policies.</param>
    /// <param name="fractions">Train/validation/test fractions.</param>
    /// <param name="notes">Receives what was decided about the data (task and why, encoding, rows left out).</param>
    public TableSplits(RawTable table, TableOptions options, (double Train, double Validation, double Test) fractions, ICollection<string>? notes = null)
    {
        _table = table;
        _options = options;
        _fractions = fractions;
        var first = TableSplit.Create(table, options, fractions.Train, fractions.Validation, fractions.Test, 1, notes);
        Problem = new ComparisonProblem(first.Encoder.Task, first.Encoder.Width, first.Indices.Sum(p => p.Length), first.Encoder.ClassNames);
    }

    /// <inheritdoc />
    public ComparisonProblem Problem { get; }

    /// <inheritdoc />
    public DatasetSplit Split(int seed)
    {
        var s = TableSplit.Create(_table, _options, _fractions.Train, _fractions.Validation, _fractions.Test, seed);
        return new DatasetSplit(s.Train, s.Validation, s.Test);
    }
}
