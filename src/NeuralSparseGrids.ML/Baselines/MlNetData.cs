using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.ML.Baselines;

/// <summary>
/// A <see cref="Dataset"/> as an ML.NET <see cref="IDataView"/>: a float vector column "Features" and a "Label" column
/// (float for regression, a key of the class count for classification, ML.NET's convention for multiclass trainers).
/// </summary>
internal static class MlNetData
{
    /// <summary>Column names ML.NET's trainers expect.</summary>
    public const string Features = "Features", Label = "Label";

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    /// <summary>
    /// The rows of <paramref name="data"/>: "Label" is the class index (classification; <see cref="Classifier"/> maps it to
    /// ML.NET's key type and back) or regression target column <paramref name="output"/>.
    /// </summary>
    public static IDataView ToDataView(MLContext ml, Dataset data, int output = 0)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.Columns);
        bool classification = data.Task == DatasetTask.Classification;
        var rows = new Row[data.Rows];
        for (int i = 0; i < data.Rows; i++)
            rows[i] = new Row
            {
                Features = Array.ConvertAll(data.Features[(i * data.Columns)..((i + 1) * data.Columns)], v => (float)v),
                Label = classification ? data.Labels![i] : (float)data.Targets![i, output],
            };
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>
    /// A multiclass trainer wrapped for class-index labels: the label becomes a key (ordered by value) before training and
    /// the predicted key is mapped back to the class index after.
    /// </summary>
    public static IEstimator<ITransformer> Classifier<TTransformer>(MLContext ml, IEstimator<TTransformer> trainer) where TTransformer : class, ITransformer =>
        ml.Transforms.Conversion.MapValueToKey(Label, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    /// <summary>
    /// Predictions of <paramref name="models"/> (one per regression output, or one classifier) for <paramref name="data"/>,
    /// in the <see cref="NeuralSparseGrids.Experiments.Comparison.IFittedMethod.Predict"/> layout.
    /// </summary>
    public static double[] Predict(MLContext ml, IReadOnlyList<ITransformer> models, Dataset data)
    {
        if (data.Task == DatasetTask.Classification)
        {
            var scored = models[0].Transform(ToDataView(ml, data));
            return scored.GetColumn<float>("PredictedLabel").Select(k => (double)k).ToArray();
        }
        int outputs = data.TargetCount;
        var result = new double[data.Rows * outputs];
        for (int k = 0; k < outputs; k++)
        {
            int i = 0;
            foreach (float v in models[k].Transform(ToDataView(ml, data, k)).GetColumn<float>("Score")) result[i++ * outputs + k] = v;
        }
        return result;
    }
}
