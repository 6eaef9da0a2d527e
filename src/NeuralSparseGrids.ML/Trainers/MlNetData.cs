using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>Reads the feature vectors and labels of an <see cref="IDataView"/> into the NSG's <see cref="Dataset"/>.</summary>
internal static class MlNetData
{
    /// <summary>The feature column: must be a known-size vector of float. Returns its width.</summary>
    public static int FeatureWidth(DataViewSchema schema, string name)
    {
        var column = Find(schema, name, "feature");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, Size: > 0 } v || n.RawType != typeof(float))
            throw new ArgumentException($"Feature column '{name}' must be a known-size vector of float (use Concatenate); it is {column.Type}.");
        return v.Size;
    }

    /// <summary>The label column of a multiclass trainer: must be a key type; returns (classes, class names).</summary>
    public static (int Classes, string[] Names) KeyLabel(DataViewSchema schema, string name)
    {
        var column = Find(schema, name, "label");
        if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw new ArgumentException($"Label column '{name}' must be a key type (use MapValueToKey); it is {column.Type}.");
        int classes = checked((int)key.Count);
        var names = Enumerable.Range(1, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationUtilsKeyValues) is { } kv && kv.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.Annotations.GetValue(AnnotationUtilsKeyValues, ref values);
            var dense = values.DenseValues().ToArray();
            if (dense.Length == classes) names = dense.Select(m => m.ToString()).ToArray();
        }
        return (classes, names);
    }

    /// <summary>The annotation kind holding a key type's values.</summary>
    public const string AnnotationUtilsKeyValues = "KeyValues";

    /// <summary>
    /// Reads features (rows, width) and, when <paramref name="labelColumn"/> is given, labels: float targets or 0-based
    /// classes (key - 1). Rows with a missing key or a non-finite feature/label are skipped (counted in Skipped).
    /// </summary>
    public static (double[] Features, double[] Targets, int[] Classes, int Rows, int Skipped) Read(IDataView data, string featureColumn, string? labelColumn, bool keyLabel)
    {
        int width = FeatureWidth(data.Schema, featureColumn);
        var f = data.Schema[featureColumn];
        var columns = new List<DataViewSchema.Column> { f };
        DataViewSchema.Column? l = labelColumn == null ? null : Find(data.Schema, labelColumn, "label");
        if (l is { } lc) columns.Add(lc);
        var features = new List<double>();
        var targets = new List<double>();
        var classes = new List<int>();
        int rows = 0, skipped = 0;
        using var cursor = data.GetRowCursor(columns);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(f);
        ValueGetter<float>? getTarget = l is { } t && !keyLabel ? cursor.GetGetter<float>(t) : null;
        ValueGetter<uint>? getKey = l is { } k && keyLabel ? cursor.GetGetter<uint>(k) : null;
        VBuffer<float> buffer = default;
        float target = 0;
        uint key = 0;
        var row = new double[width];
        while (cursor.MoveNext())
        {
            getFeatures(ref buffer);
            getTarget?.Invoke(ref target);
            getKey?.Invoke(ref key);
            bool ok = CopyDense(buffer, row);
            if (getTarget != null && !float.IsFinite(target)) ok = false;
            if (getKey != null && key == 0) ok = false;
            if (!ok) { skipped++; continue; }
            features.AddRange(row);
            if (getTarget != null) targets.Add(target);
            if (getKey != null) classes.Add((int)key - 1);
            rows++;
        }
        return (features.ToArray(), targets.ToArray(), classes.ToArray(), rows, skipped);
    }

    /// <summary>
    /// Writes the feature vector <paramref name="values"/> (dense or sparse) into <paramref name="row"/> (its width,
    /// absent slots 0); false when a value is not finite.
    /// </summary>
    public static bool CopyDense(in VBuffer<float> values, double[] row)
    {
        Array.Clear(row);
        bool finite = true;
        foreach (var (index, value) in values.Items())
        {
            if (!float.IsFinite(value)) finite = false;
            row[index] = value;
        }
        return finite;
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string what) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentException(
            $"The data have no {what} column '{name}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}).");
}
