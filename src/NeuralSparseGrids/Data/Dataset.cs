namespace NeuralSparseGrids.Data;

/// <summary>Kind of supervised learning problem a <see cref="Dataset"/> holds.</summary>
public enum DatasetTask
{
    /// <summary>Real-valued targets in <see cref="Dataset.Targets"/>, shape <c>(Rows, TargetCount)</c>.</summary>
    Regression,

    /// <summary>Integer class labels in <see cref="Dataset.Labels"/>, values <c>0 .. ClassCount-1</c>.</summary>
    Classification,
}

/// <summary>
/// An in-memory supervised data set: a feature matrix plus either regression targets or class labels.
/// </summary>
/// <remarks>
/// <para>Features are stored row-major in a flat array of shape <c>(Rows, Columns)</c>: the value of feature
/// <c>j</c> of sample <c>i</c> is <c>Features[i * Columns + j]</c>.</para>
/// <para>Regression targets have shape <c>(Rows, TargetCount)</c>; classification labels have length
/// <c>Rows</c> with values in <c>0 .. ClassCount-1</c>, and <see cref="ClassNames"/>[k] is the original name
/// of class <c>k</c> (e.g. <c>"-1"</c> and <c>"1"</c> for a file whose classes are -1 and 1).</para>
/// <para>The arrays are exposed directly (no copies) for speed; treat them as read-only unless you own the
/// data set. Use <see cref="WithFeatures"/> to get a data set with transformed features.</para>
/// </remarks>
public sealed class Dataset
{
    private Dataset(double[] features, int rows, int columns, string[] featureNames,
        double[,]? targets, string[] targetNames, int[]? labels, string[]? classNames)
    {
        Features = features;
        Rows = rows;
        Columns = columns;
        FeatureNames = featureNames;
        Targets = targets;
        TargetNames = targetNames;
        Labels = labels;
        ClassNames = classNames ?? [];
    }

    /// <summary>Row-major feature matrix of shape <c>(Rows, Columns)</c>.</summary>
    public double[] Features { get; }

    /// <summary>Number of samples.</summary>
    public int Rows { get; }

    /// <summary>Number of features per sample.</summary>
    public int Columns { get; }

    /// <summary>Names of the <see cref="Columns"/> features, in column order.</summary>
    public string[] FeatureNames { get; }

    /// <summary>Regression targets of shape <c>(Rows, TargetCount)</c>; <see langword="null"/> for classification.</summary>
    public double[,]? Targets { get; }

    /// <summary>Names of the target columns (regression: one per output; classification: the single label column).</summary>
    public string[] TargetNames { get; }

    /// <summary>Class labels of length <c>Rows</c>, values in <c>0 .. ClassCount-1</c>; <see langword="null"/> for regression.</summary>
    public int[]? Labels { get; }

    /// <summary>Original name of each class, indexed by label; empty for regression.</summary>
    public string[] ClassNames { get; }

    /// <summary>Whether this is a regression or a classification data set.</summary>
    public DatasetTask Task => Labels is null ? DatasetTask.Regression : DatasetTask.Classification;

    /// <summary>Number of classes (length of <see cref="ClassNames"/>); 0 for regression.</summary>
    public int ClassCount => ClassNames.Length;

    /// <summary>Number of regression outputs (second dimension of <see cref="Targets"/>); 0 for classification.</summary>
    public int TargetCount => Targets?.GetLength(1) ?? 0;

    /// <summary>Feature <paramref name="column"/> of sample <paramref name="row"/>.</summary>
    /// <param name="row">Sample index in <c>0 .. Rows-1</c>.</param>
    /// <param name="column">Feature index in <c>0 .. Columns-1</c>.</param>
    public double Feature(int row, int column)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row));
        if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column));
        return Features[row * Columns + column];
    }

    /// <summary>Creates a regression data set. The arrays are taken over, not copied.</summary>
    /// <param name="features">Row-major features of shape <c>(rows, columns)</c>, length <c>rows * columns</c>.</param>
    /// <param name="rows">Number of samples.</param>
    /// <param name="columns">Number of features.</param>
    /// <param name="targets">Targets of shape <c>(rows, outputs)</c>, at least one output.</param>
    /// <param name="featureNames">Feature names (length <paramref name="columns"/>); default <c>x1, x2, ...</c>.</param>
    /// <param name="targetNames">Target names (length <c>outputs</c>); default <c>y</c> or <c>y1, y2, ...</c>.</param>
    public static Dataset ForRegression(double[] features, int rows, int columns, double[,] targets,
        IReadOnlyList<string>? featureNames = null, IReadOnlyList<string>? targetNames = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        CheckFeatures(features, rows, columns);
        if (targets.GetLength(0) != rows)
            throw new ArgumentException($"targets has {targets.GetLength(0)} rows, expected {rows}.", nameof(targets));
        int outputs = targets.GetLength(1);
        if (outputs < 1) throw new ArgumentException("targets needs at least one column.", nameof(targets));
        return new Dataset(features, rows, columns, Names(featureNames, columns, "x", nameof(featureNames)),
            targets, Names(targetNames, outputs, "y", nameof(targetNames)), null, null);
    }

    /// <summary>Creates a classification data set. The arrays are taken over, not copied.</summary>
    /// <param name="features">Row-major features of shape <c>(rows, columns)</c>, length <c>rows * columns</c>.</param>
    /// <param name="rows">Number of samples.</param>
    /// <param name="columns">Number of features.</param>
    /// <param name="labels">Labels of length <paramref name="rows"/>, each in <c>0 .. classNames.Count-1</c>.</param>
    /// <param name="classNames">Name of each class, indexed by label (at least one class).</param>
    /// <param name="featureNames">Feature names (length <paramref name="columns"/>); default <c>x1, x2, ...</c>.</param>
    /// <param name="targetName">Name of the label column; default <c>class</c>.</param>
    public static Dataset ForClassification(double[] features, int rows, int columns, int[] labels,
        IReadOnlyList<string> classNames, IReadOnlyList<string>? featureNames = null, string? targetName = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        CheckFeatures(features, rows, columns);
        if (labels.Length != rows)
            throw new ArgumentException($"labels has length {labels.Length}, expected {rows}.", nameof(labels));
        if (classNames.Count < 1) throw new ArgumentException("At least one class is needed.", nameof(classNames));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside 0..{classNames.Count - 1}.", nameof(labels));
        }
        return new Dataset(features, rows, columns, Names(featureNames, columns, "x", nameof(featureNames)),
            null, [targetName ?? "class"], labels, classNames.ToArray());
    }

    /// <summary>
    /// A new data set with the given samples (in the given order; repeats allowed), copying features and
    /// targets/labels. Names and classes are kept.
    /// </summary>
    /// <param name="rowIndices">Indices into <c>0 .. Rows-1</c>.</param>
    public Dataset Subset(IReadOnlyList<int> rowIndices)
    {
        ArgumentNullException.ThrowIfNull(rowIndices);
        int n = rowIndices.Count;
        var features = new double[n * Columns];
        double[,]? targets = Targets is null ? null : new double[n, TargetCount];
        int[]? labels = Labels is null ? null : new int[n];
        for (int i = 0; i < n; i++)
        {
            int r = rowIndices[i];
            if ((uint)r >= (uint)Rows)
                throw new ArgumentOutOfRangeException(nameof(rowIndices), $"Row index {r} is outside 0..{Rows - 1}.");
            Array.Copy(Features, (long)r * Columns, features, (long)i * Columns, Columns);
            if (targets is not null)
            {
                for (int k = 0; k < TargetCount; k++) targets[i, k] = Targets![r, k];
            }
            if (labels is not null) labels[i] = Labels![r];
        }
        return new Dataset(features, n, Columns, FeatureNames, targets, TargetNames, labels, ClassNames);
    }

    /// <summary>
    /// The rows of <paramref name="first"/> followed by those of <paramref name="second"/> (for example a split's training
    /// and validation parts). Both must have the same columns, task, outputs and classes; names come from the first.
    /// </summary>
    public static Dataset Concat(Dataset first, Dataset second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Columns != second.Columns || first.Task != second.Task || first.TargetCount != second.TargetCount
            || !first.ClassNames.SequenceEqual(second.ClassNames))
            throw new ArgumentException($"Cannot join data sets of different shapes ({first.Columns} vs {second.Columns} columns, {first.Task} vs {second.Task}).");
        int n = first.Rows + second.Rows;
        double[,]? targets = first.Targets is null ? null : new double[n, first.TargetCount];
        for (int i = 0; targets is not null && i < n; i++)
            for (int k = 0; k < first.TargetCount; k++)
                targets[i, k] = i < first.Rows ? first.Targets![i, k] : second.Targets![i - first.Rows, k];
        int[]? labels = first.Labels is null ? null : [.. first.Labels, .. second.Labels!];
        return new Dataset([.. first.Features, .. second.Features], n, first.Columns, first.FeatureNames, targets, first.TargetNames, labels, first.ClassNames);
    }

    /// <summary>
    /// The same data set with another feature matrix of the same shape <c>(Rows, Columns)</c> (for example the
    /// output of <see cref="MinMaxScaler.Transform(double[], int)"/>). Targets/labels and names are shared.
    /// </summary>
    /// <param name="features">Row-major features of shape <c>(Rows, Columns)</c>.</param>
    public Dataset WithFeatures(double[] features)
    {
        CheckFeatures(features, Rows, Columns);
        return new Dataset(features, Rows, Columns, FeatureNames, Targets, TargetNames, Labels, ClassNames);
    }

    /// <summary>
    /// The same data set with other regression targets of shape <c>(Rows, outputs)</c> (for example scaled ones).
    /// Only valid for regression data sets.
    /// </summary>
    /// <param name="targets">Targets of shape <c>(Rows, outputs)</c>.</param>
    /// <param name="targetNames">Names of the outputs; default: keep the current names when the count matches.</param>
    public Dataset WithTargets(double[,] targets, IReadOnlyList<string>? targetNames = null)
    {
        if (Task != DatasetTask.Regression)
            throw new InvalidOperationException("WithTargets is only valid for regression data sets.");
        var names = targetNames ?? (targets.GetLength(1) == TargetNames.Length ? TargetNames : null);
        return ForRegression(Features, Rows, Columns, targets, FeatureNames, names);
    }

    /// <summary>Number of samples of each class, indexed by label (length <see cref="ClassCount"/>).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        if (Labels is not null)
        {
            foreach (int l in Labels) counts[l]++;
        }
        return counts;
    }

    private static void CheckFeatures(double[] features, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != features.LongLength)
            throw new ArgumentException($"features has length {features.Length}, expected rows*columns = {(long)rows * columns}.", nameof(features));
    }

    private static string[] Names(IReadOnlyList<string>? names, int count, string prefix, string paramName)
    {
        if (names is null)
            return count == 1 && prefix == "y" ? ["y"] : Enumerable.Range(1, count).Select(i => prefix + i).ToArray();
        if (names.Count != count)
            throw new ArgumentException($"{names.Count} names given, expected {count}.", paramName);
        return names.ToArray();
    }
}
