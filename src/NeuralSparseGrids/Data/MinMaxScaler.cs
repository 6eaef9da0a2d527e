namespace NeuralSparseGrids.Data;

/// <summary>
/// Serializable state of a <see cref="MinMaxScaler"/>: per-column minimum and maximum seen during fitting.
/// Plain arrays only, so it round-trips through <c>System.Text.Json</c> and can be stored in a checkpoint.
/// </summary>
/// <param name="Min">Per-column minimum, length = number of columns.</param>
/// <param name="Max">Per-column maximum, same length as <paramref name="Min"/>.</param>
public sealed record MinMaxScalerState(double[] Min, double[] Max);

/// <summary>
/// Per-column affine map of data to [0, 1] (thesis Eq. 3.19): <c>x' = (x - min) / (max - min)</c>, with min
/// and max taken from the data passed to <see cref="Fit(double[], int, int)"/> (fit on the training split only,
/// then transform every split). Constant columns (<c>max == min</c>) map to 0.5 and are never divided by zero;
/// their inverse gives back the constant. Values outside the fitted range are not clipped, so validation and
/// test data may fall slightly outside [0, 1].
/// </summary>
public sealed class MinMaxScaler
{
    private readonly double[] _min;
    private readonly double[] _max;

    private MinMaxScaler(double[] min, double[] max)
    {
        _min = min;
        _max = max;
    }

    /// <summary>Number of columns the scaler was fitted on.</summary>
    public int Columns => _min.Length;

    /// <summary>Per-column minimum (a copy), length <see cref="Columns"/>.</summary>
    public double[] Min => (double[])_min.Clone();

    /// <summary>Per-column maximum (a copy), length <see cref="Columns"/>.</summary>
    public double[] Max => (double[])_max.Clone();

    /// <summary>Fits on a row-major matrix of shape <c>(rows, columns)</c>.</summary>
    /// <param name="data">Row-major values, length <c>rows * columns</c>; must be finite.</param>
    /// <param name="rows">Number of rows (at least 1).</param>
    /// <param name="columns">Number of columns (at least 1).</param>
    public static MinMaxScaler Fit(double[] data, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (rows < 1 || columns < 1) throw new ArgumentException("Need at least one row and one column to fit.");
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"data has length {data.Length}, expected rows*columns = {(long)rows * columns}.", nameof(data));
        var min = new double[columns];
        var max = new double[columns];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                double v = data[i * columns + j];
                if (!double.IsFinite(v)) throw new ArgumentException($"Non-finite value {v} at row {i}, column {j}.", nameof(data));
                if (v < min[j]) min[j] = v;
                if (v > max[j]) max[j] = v;
            }
        }
        return new MinMaxScaler(min, max);
    }

    /// <summary>Fits on a matrix of shape <c>(rows, columns)</c>, e.g. regression targets.</summary>
    /// <param name="data">Values; must be finite, at least one row and column.</param>
    public static MinMaxScaler Fit(double[,] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(Flatten(data), data.GetLength(0), data.GetLength(1));
    }

    /// <summary>Fits on the features of a data set (pass the training split).</summary>
    /// <param name="data">The data set whose <see cref="Dataset.Features"/> are used.</param>
    public static MinMaxScaler FitFeatures(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Fit(data.Features, data.Rows, data.Columns);
    }

    /// <summary>Scales a row-major matrix of shape <c>(rows, Columns)</c>; returns a new array of the same shape.</summary>
    /// <param name="data">Row-major values, length a multiple of <see cref="Columns"/>.</param>
    /// <param name="rows">Number of rows.</param>
    public double[] Transform(double[] data, int rows) => Apply(data, rows, inverse: false);

    /// <summary>Maps scaled values of shape <c>(rows, Columns)</c> back to the original units; returns a new array.</summary>
    /// <param name="data">Row-major scaled values, length <c>rows * Columns</c>.</param>
    /// <param name="rows">Number of rows.</param>
    public double[] InverseTransform(double[] data, int rows) => Apply(data, rows, inverse: true);

    /// <summary>Scales a matrix of shape <c>(rows, Columns)</c>; returns a new matrix.</summary>
    /// <param name="data">Values of shape <c>(rows, Columns)</c>.</param>
    public double[,] Transform(double[,] data) => Unflatten(Transform(Flatten(data), data.GetLength(0)), data.GetLength(0), Columns);

    /// <summary>Maps a scaled matrix of shape <c>(rows, Columns)</c> back to original units; returns a new matrix.</summary>
    /// <param name="data">Scaled values of shape <c>(rows, Columns)</c>.</param>
    public double[,] InverseTransform(double[,] data) => Unflatten(InverseTransform(Flatten(data), data.GetLength(0)), data.GetLength(0), Columns);

    /// <summary>The data set with its features scaled (targets/labels unchanged).</summary>
    /// <param name="data">A data set with <see cref="Columns"/> features.</param>
    public Dataset TransformFeatures(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.WithFeatures(Transform(data.Features, data.Rows));
    }

    /// <summary>The serializable state (copies of min and max).</summary>
    public MinMaxScalerState ToState() => new(Min, Max);

    /// <summary>Rebuilds a scaler from <see cref="ToState"/> output.</summary>
    /// <param name="state">Min and max of equal length, finite, with <c>min &lt;= max</c>.</param>
    public static MinMaxScaler FromState(MinMaxScalerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Min is null || state.Max is null || state.Min.Length != state.Max.Length || state.Min.Length == 0)
            throw new ArgumentException("State needs non-empty Min and Max arrays of equal length.", nameof(state));
        for (int j = 0; j < state.Min.Length; j++)
        {
            if (!double.IsFinite(state.Min[j]) || !double.IsFinite(state.Max[j]) || state.Min[j] > state.Max[j])
                throw new ArgumentException($"Invalid range [{state.Min[j]}, {state.Max[j]}] for column {j}.", nameof(state));
        }
        return new MinMaxScaler((double[])state.Min.Clone(), (double[])state.Max.Clone());
    }

    private double[] Apply(double[] data, int rows, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(data);
        int c = Columns;
        if ((long)rows * c != data.LongLength)
            throw new ArgumentException($"data has length {data.Length}, expected rows*{c} = {(long)rows * c}.", nameof(data));
        var result = new double[data.Length];
        for (int j = 0; j < c; j++)
        {
            double lo = _min[j], range = _max[j] - _min[j];
            for (int i = 0; i < rows; i++)
            {
                int at = i * c + j;
                double v = data[at];
                result[at] = range > 0
                    ? inverse ? lo + v * range : (v - lo) / range
                    : inverse ? lo : 0.5;
            }
        }
        return result;
    }

    private static double[] Flatten(double[,] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int r = data.GetLength(0), c = data.GetLength(1);
        var flat = new double[r * c];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) flat[i * c + j] = data[i, j];
        return flat;
    }

    private static double[,] Unflatten(double[] flat, int rows, int columns)
    {
        var m = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) m[i, j] = flat[i * columns + j];
        return m;
    }
}
