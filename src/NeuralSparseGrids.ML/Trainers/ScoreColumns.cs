using Microsoft.ML;
using Microsoft.ML.Data;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>The columns the NSG transformer appends, with the annotations ML.NET's evaluators read.</summary>
internal static class ScoreColumns
{
    /// <summary>
    /// The appended columns as schema-shape columns. <c>SchemaShape.Column</c> has no public constructor and
    /// <c>SchemaShape.Create</c> is internal, so the shape comes from a CustomMapping estimator whose output schema
    /// definition names and types the columns (it is never fitted).
    /// </summary>
    public static IEnumerable<SchemaShape.Column> Shape(NeuralSparseGridTrainerOptions o, bool classification, bool labelHasKeyValues)
    {
        var mlContext = new MLContext();
        SchemaShape shape;
        if (classification)
        {
            var definition = SchemaDefinition.Create(typeof(MulticlassShape));
            definition[nameof(MulticlassShape.Score)].ColumnName = o.ScoreColumnName;
            definition[nameof(MulticlassShape.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
            definition[nameof(MulticlassShape.PredictedLabel)].ColumnName = o.PredictedLabelColumnName;
            definition[nameof(MulticlassShape.PredictedLabel)].ColumnType = new KeyDataViewType(typeof(uint), 2);
            if (labelHasKeyValues)
                definition[nameof(MulticlassShape.PredictedLabel)].AddAnnotation(MlNetData.AnnotationUtilsKeyValues,
                    new VBuffer<ReadOnlyMemory<char>>(2, ["1".AsMemory(), "2".AsMemory()]), new VectorDataViewType(TextDataViewType.Instance, 2));
            shape = mlContext.Transforms.CustomMapping<ShapeInput, MulticlassShape>((_, _) => { }, null, outputSchemaDefinition: definition)
                .GetOutputSchema(new SchemaShape([]));
        }
        else
        {
            var definition = SchemaDefinition.Create(typeof(RegressionShape));
            definition[nameof(RegressionShape.Score)].ColumnName = o.ScoreColumnName;
            shape = mlContext.Transforms.CustomMapping<ShapeInput, RegressionShape>((_, _) => { }, null, outputSchemaDefinition: definition)
                .GetOutputSchema(new SchemaShape([]));
        }
        return shape.Where(c => c.Name == o.ScoreColumnName || (classification && c.Name == o.PredictedLabelColumnName)).ToList();
    }

    /// <summary>No input columns.</summary>
    public sealed class ShapeInput;

    /// <summary>Regression output columns.</summary>
    public sealed class RegressionShape
    {
        /// <summary>Score.</summary>
        public float Score { get; set; }
    }

    /// <summary>Multiclass output columns, typed by the schema definition.</summary>
    public sealed class MulticlassShape
    {
        /// <summary>Class probabilities.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>Predicted label key.</summary>
        public uint PredictedLabel { get; set; }
    }

    /// <summary>
    /// Regression: Score (float, annotated as a regression score). Multiclass: Score (vector of <paramref name="classes"/>
    /// class probabilities, slot names = class names) and PredictedLabel (key of <paramref name="classes"/> values,
    /// carrying the label's key values).
    /// </summary>
    public static DataViewSchema Schema(NeuralSparseGridTrainerOptions o, bool classification, int classes, DataViewSchema.Column? keyValues)
    {
        var b = new DataViewSchema.Builder();
        string kind = classification ? "MulticlassClassification" : "Regression";
        var score = new DataViewSchema.Annotations.Builder();
        score.Add("ScoreColumnKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = kind.AsMemory());
        score.Add("ScoreValueKind", TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "Score".AsMemory());
        if (!classification)
        {
            b.AddColumn(o.ScoreColumnName, NumberDataViewType.Single, score.ToAnnotations());
            return b.ToSchema();
        }
        var keyAnnotations = new DataViewSchema.Annotations.Builder();
        if (keyValues is { } label && label.Annotations.Schema.GetColumnOrNull(MlNetData.AnnotationUtilsKeyValues) is { } kv)
        {
            keyAnnotations.Add(label.Annotations, name => name == MlNetData.AnnotationUtilsKeyValues);
            if (kv.Type is VectorDataViewType { ItemType: TextDataViewType })
            {
                VBuffer<ReadOnlyMemory<char>> names = default;
                label.Annotations.GetValue(MlNetData.AnnotationUtilsKeyValues, ref names);
                var copy = names;
                score.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classes), (ref VBuffer<ReadOnlyMemory<char>> v) => copy.CopyTo(ref v));
            }
        }
        b.AddColumn(o.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes), score.ToAnnotations());
        b.AddColumn(o.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classes), keyAnnotations.ToAnnotations());
        return b.ToSchema();
    }

    /// <summary>
    /// The getter of appended column <paramref name="appended"/> (0 = Score, 1 = PredictedLabel) of
    /// <paramref name="column"/>, reading the current row's scores from <paramref name="current"/>: one value
    /// (regression, label units) or the class probabilities (multiclass). PredictedLabel is the 1-based key of the most
    /// probable class (the first one on ties). The batched data view and the row mapper both serve their rows through it.
    /// </summary>
    public static ValueGetter<TValue> Getter<TValue>(DataViewSchema.Column column, int appended, bool classification, Func<ReadOnlyMemory<float>> current)
    {
        Delegate getter = (classification, appended) switch
        {
            (false, 0) => (ValueGetter<float>)((ref float v) => v = current().Span[0]),
            (true, 0) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                var scores = current().Span;
                var editor = VBufferEditor.Create(ref v, scores.Length);
                scores.CopyTo(editor.Values);
                v = editor.Commit();
            }),
            (true, 1) => (ValueGetter<uint>)((ref uint v) => v = PredictedKey(current().Span)),
            _ => throw new ArgumentOutOfRangeException(nameof(appended), $"Column '{column.Name}' is not a column the NSG appends."),
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    private static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = 0;
        for (int c = 1; c < probabilities.Length; c++) if (probabilities[c] > probabilities[best]) best = c;
        return (uint)best + 1;
    }
}
