namespace NeuralSparseGrids.Data;

/// <summary>What to do with missing values (<c>NA</c>, empty cells, <c>?</c>).</summary>
public enum MissingValues
{
    /// <summary>Stop with an error naming the file, row and column (default).</summary>
    Error,

    /// <summary>Leave out every row with a missing value in the target or a used input.</summary>
    DropRows,

    /// <summary>Fill missing inputs with the training split's median (numeric) or most frequent value (categorical);
    /// rows with a missing target are left out (a target cannot be imputed).</summary>
    ImputeMedian,
}

/// <summary>What to do with a category of a categorical input that the training split did not contain.</summary>
public enum UnknownCategory
{
    /// <summary>Stop with an error naming the column and value (default).</summary>
    Error,

    /// <summary>Encode it as all zeros in that column's one-hot block.</summary>
    Ignore,
}

/// <summary>Scaling of the numeric inputs, fitted on the training split.</summary>
public enum InputScaling
{
    /// <summary>To [0, 1] with the training minimum and maximum (thesis Eq. 3.19; default).</summary>
    MinMax,

    /// <summary>To zero mean and unit standard deviation.</summary>
    Standard,

    /// <summary>Used as given.</summary>
    None,
}

/// <summary>How a file's columns become model inputs and a target: see <see cref="TableEncoder"/>.</summary>
public sealed record TableOptions
{
    /// <summary>Largest number of distinct integer values for which an integer-coded target counts as class labels
    /// under <see cref="Task"/> = null (auto).</summary>
    public const int MaxIntegerClasses = 10;

    /// <summary>Target column name; <see langword="null"/> for the last column.</summary>
    public string? Target { get; init; }

    /// <summary>The task; <see langword="null"/> detects it (<see cref="TableEncoder.DetectTask"/>).</summary>
    public DatasetTask? Task { get; init; }

    /// <summary>Columns left out (e.g. IDs).</summary>
    public IReadOnlyList<string> Drop { get; init; } = [];

    /// <summary>Missing values.</summary>
    public MissingValues Missing { get; init; } = MissingValues.Error;

    /// <summary>Categories not seen in training.</summary>
    public UnknownCategory UnknownCategory { get; init; } = UnknownCategory.Error;

    /// <summary>Scaling of numeric inputs.</summary>
    public InputScaling Scale { get; init; } = InputScaling.MinMax;
}
