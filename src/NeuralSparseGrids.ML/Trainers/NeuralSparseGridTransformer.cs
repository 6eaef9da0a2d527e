using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// A trained Neural Sparse Grid as an ML.NET transformer: appends Score (regression: the prediction in the label's
/// units; multiclass: class probabilities) and, for multiclass, PredictedLabel (a key of the label's key type).
/// Transform scores all rows at once (batched TorchSharp inference) and serves them through a cursor over the input;
/// <see cref="GetRowToRowMapper"/> scores one row at a time (what <c>mlContext.Model.CreatePredictionEngine</c> runs).
/// Both go through <see cref="Score"/> and <see cref="ScoreColumns"/>, so they give the same values and columns.
/// </summary>
public sealed class NeuralSparseGridTransformer : ITransformer, IDisposable
{
    private readonly NeuralSparseGridTrainerOptions _options;
    private readonly DataViewSchema.Column? _label;

    internal NeuralSparseGridTransformer(NeuralSparseGrid model, DataScaling scaling, NeuralSparseGridTrainerOptions options, DataViewSchema trainingSchema)
    {
        Model = model;
        Scaling = scaling;
        _options = options;
        Classification = model.Config.Task == NsgTask.Classification;
        _label = Classification ? trainingSchema.GetColumnOrNull(options.LabelColumnName) : null;
    }

    /// <summary>The trained network (inputs as the pipeline delivers them, scaled with <see cref="Scaling"/> when it has feature statistics).</summary>
    public NeuralSparseGrid Model { get; }

    /// <summary>Feature scaling (when the trainer scaled features), regression target scaling and class names.</summary>
    public DataScaling Scaling { get; }

    /// <summary>True for a multiclass model.</summary>
    public bool Classification { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The input column the network reads (a known-size float vector of the model's input width).</summary>
    public string FeatureColumnName => _options.FeatureColumnName;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        int width = MlNetData.FeatureWidth(inputSchema, _options.FeatureColumnName);
        if (width != Model.Config.Inputs)
            throw new ArgumentException($"Feature column '{_options.FeatureColumnName}' has {width} values per row, the model was trained on {Model.Config.Inputs}.");
        var b = new DataViewSchema.Builder();
        b.AddColumns(inputSchema);
        b.AddColumns(ScoreColumns.Schema(_options, Classification, Model.Config.Outputs, _label));
        return b.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var schema = GetOutputSchema(input.Schema);
        var (features, _, _, rows, skipped) = MlNetData.Read(input, _options.FeatureColumnName, null, keyLabel: false);
        if (skipped > 0) throw new InvalidOperationException($"{skipped} rows have non-finite features in '{_options.FeatureColumnName}'; the NSG cannot score them.");
        var outputs = Score(features, rows);
        return new ScoredDataView(input, schema, outputs, Model.Config.Outputs, Classification);
    }

    /// <summary>
    /// Scores (rows, inputs) row-major: regression values in the label's units (rows) or class probabilities (rows, classes).
    /// </summary>
    public float[] Score(double[] features, int rows)
    {
        double[] x = Scaling.Features is { } f ? MinMaxScaler.FromState(f).Transform(features, rows) : features;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Model.eval();
        var output = Predictor.Forward(Model, torch.tensor(Array.ConvertAll(x, v => (float)v), [rows, Model.Config.Inputs]));
        if (Classification) return nn.functional.softmax(output, 1).data<float>().ToArray();
        var values = output.to(ScalarType.Float64).data<double>().ToArray();
        if (Scaling.Targets is { } t) values = MinMaxScaler.FromState(t).InverseTransform(values, rows);
        return Array.ConvertAll(values, v => (float)v);
    }

    /// <summary>
    /// Scores one row: <paramref name="features"/> (the feature column's value, dense or sparse) is written into
    /// <paramref name="row"/> (length = inputs, reused between calls) and run through <see cref="Score"/>.
    /// </summary>
    internal float[] ScoreRow(in VBuffer<float> features, double[] row)
    {
        if (!MlNetData.CopyDense(features, row))
            throw new InvalidOperationException($"The row has a non-finite value in feature column '{_options.FeatureColumnName}'; the NSG cannot score it.");
        return Score(row, 1);
    }

    /// <summary>The label's key values (class names) when the training label carried them.</summary>
    internal string[]? LabelKeyValues()
    {
        if (_label is not { } label || label.Annotations.Schema.GetColumnOrNull(MlNetData.AnnotationUtilsKeyValues) is not { Type: VectorDataViewType { ItemType: TextDataViewType } })
            return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        label.Annotations.GetValue(MlNetData.AnnotationUtilsKeyValues, ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    /// <summary>
    /// A mapper that scores one row at a time, for ML.NET's <c>PredictionEngine</c> (single predictions). Each output
    /// row runs the network once per input row (on its first getter call) and caches the result for that row.
    /// </summary>
    /// <remarks>
    /// Not thread-safe, like ML.NET's PredictionEngine itself: the rows it creates hold per-row caches. Serve parallel
    /// requests with one PredictionEngine per thread (or ML.NET's PredictionEnginePool). Disposing a PredictionEngine
    /// made with ML.NET's default options disposes the model it was made from (OwnsTransformer = true); pass
    /// <c>new PredictionEngineOptions { OwnsTransformer = false }</c> to keep using the model afterwards.
    /// </remarks>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new NeuralSparseGridRowMapper(this, inputSchema);

    /// <inheritdoc />
    void ICanSaveModel.Save(ModelSaveContext ctx) => NsgModelFiles.SaveThroughMapping(this, ctx, _options);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
