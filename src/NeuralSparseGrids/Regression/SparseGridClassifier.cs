namespace NeuralSparseGrids.Regression;

/// <summary>
/// Classic sparse-grid classification by one-vs-all regression: one output per class with target +1 for the
/// class and -1 otherwise, fitted jointly by <see cref="SparseGridRegression"/>; the predicted class is the argmax.
/// </summary>
public sealed class SparseGridClassifier
{
    private SparseGridClassifier(SparseGridRegression model, int[] classes)
    {
        Model = model;
        Classes = classes;
    }

    /// <summary>The multi-output regression model (one output per class, in <see cref="Classes"/> order).</summary>
    public SparseGridRegression Model { get; }

    /// <summary>The distinct class labels seen in training, ascending.</summary>
    public int[] Classes { get; }

    /// <summary>Fits the classifier.</summary>
    /// <param name="x">Training inputs, (rows, dim) row-major.</param>
    /// <param name="labels">Class label per row, length rows; at least two distinct labels.</param>
    /// <param name="dim">Input dimension d.</param>
    /// <param name="options">Regression settings; defaults when null.</param>
    public static SparseGridClassifier Fit(double[] x, int[] labels, int dim, SparseGridRegressionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var classes = labels.Distinct().Order().ToArray();
        if (classes.Length < 2) throw new ArgumentException("Classification needs at least two distinct labels.", nameof(labels));
        int rows = labels.Length, k = classes.Length;
        if (x.Length != rows * dim) throw new ArgumentException($"x must be (rows = {rows}, dim = {dim}) row-major, got length {x.Length}.", nameof(x));
        var y = new double[rows * k];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < k; c++) y[i * k + c] = labels[i] == classes[c] ? 1 : -1;
        return new SparseGridClassifier(SparseGridRegression.Fit(x, y, dim, k, options), classes);
    }

    /// <summary>One-vs-all scores, (rows, classes) row-major, for inputs (rows, dim) row-major.</summary>
    public double[] DecisionFunction(double[] x) => Model.Predict(x);

    /// <summary>Predicted label per row for inputs <paramref name="x"/>, (rows, dim) row-major.</summary>
    public int[] Predict(double[] x)
    {
        var scores = DecisionFunction(x);
        int k = Classes.Length, rows = scores.Length / k;
        var result = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            int best = 0;
            for (int c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
            result[i] = Classes[best];
        }
        return result;
    }
}
