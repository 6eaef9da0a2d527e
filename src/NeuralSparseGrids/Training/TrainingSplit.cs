using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// One split of a data set as tensors: features X (rows, inputs) float32, and targets Y — (rows, outputs) float32
/// for regression, or (rows) int64 class labels for classification. Owns and disposes its tensors.
/// </summary>
public sealed class TrainingSplit : IDisposable
{
    /// <summary>Wraps tensors (taking ownership).</summary>
    public TrainingSplit(Tensor x, Tensor y)
    {
        if (x.dim() < 2) throw new ArgumentException($"Features must have shape (rows, ...); got {x.dim()} dimensions.");
        if (y.shape[0] != x.shape[0]) throw new ArgumentException($"Features have {x.shape[0]} rows but targets have {y.shape[0]}.");
        X = x.DetachFromDisposeScope();
        Y = y.DetachFromDisposeScope();
    }

    /// <summary>Creates a regression split from row-major arrays x (rows, inputs) and y (rows, outputs).</summary>
    public static TrainingSplit Regression(float[] x, int inputs, float[] y, int outputs)
    {
        int rows = CheckRows(x.Length, inputs, "features");
        if (y.Length != rows * outputs) throw new ArgumentException($"Expected {rows} x {outputs} targets, got {y.Length} values.");
        CheckFinite(x, inputs, "features");
        CheckFinite(y, outputs, "targets");
        return new TrainingSplit(torch.tensor(x, new long[] { rows, inputs }), torch.tensor(y, new long[] { rows, outputs }));
    }

    /// <summary>Creates a classification split from row-major features (rows, inputs) and labels in [0, classes).</summary>
    public static TrainingSplit Classification(float[] x, int inputs, int[] labels, int classes)
    {
        int rows = CheckRows(x.Length, inputs, "features");
        if (labels.Length != rows) throw new ArgumentException($"Expected {rows} labels, got {labels.Length}.");
        CheckFinite(x, inputs, "features");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classes) throw new ArgumentException($"Label {labels[i]} in row {i} is outside [0, {classes}).");
        return new TrainingSplit(torch.tensor(x, new long[] { rows, inputs }), torch.tensor(labels.Select(l => (long)l).ToArray()));
    }

    /// <summary>Features (rows, inputs).</summary>
    public Tensor X { get; }

    /// <summary>Targets: (rows, outputs) float32 or (rows) int64 labels.</summary>
    public Tensor Y { get; }

    /// <summary>Number of rows.</summary>
    public int Count => (int)X.shape[0];

    /// <summary>True if <see cref="Y"/> holds class labels.</summary>
    public bool IsClassification => Y.dtype == ScalarType.Int64;

    /// <inheritdoc />
    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }

    private static int CheckRows(int length, int columns, string what)
    {
        if (columns < 1 || length % columns != 0) throw new ArgumentException($"{what}: {length} values do not form rows of {columns}.");
        return length / columns;
    }

    private static void CheckFinite(float[] values, int columns, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{what}: row {i / columns}, column {i % columns} is {values[i]} (NaN/Inf are not allowed).");
    }
}
