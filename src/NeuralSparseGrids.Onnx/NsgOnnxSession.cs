using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Onnx;

/// <summary>Outputs of an exported NSG for a batch, row-major.</summary>
public sealed record OnnxPrediction
{
    /// <summary>Raw model output (rows, outputs): normalised regression values or class logits.</summary>
    public float[] Output { get; init; } = [];

    /// <summary>Embeddings (rows, latent).</summary>
    public float[] Embedding { get; init; } = [];

    /// <summary>Regression predictions (rows, outputs) in target units; empty for classification.</summary>
    public float[] Values { get; init; } = [];

    /// <summary>Class probabilities (rows, classes); empty for regression.</summary>
    public float[] Probabilities { get; init; } = [];

    /// <summary>Predicted class per row; empty for regression.</summary>
    public long[] Labels { get; init; } = [];
}

/// <summary>
/// An exported NSG (.onnx) loaded into ONNX Runtime (CPU): predictions for raw feature rows, and the names and task the
/// exporter stored in the model's metadata. Needs neither TorchSharp nor libtorch.
/// </summary>
public sealed class NsgOnnxSession : IDisposable
{
    private readonly InferenceSession _session;

    /// <summary>Loads <paramref name="path"/>; <paramref name="intraOpThreads"/> 0 lets ONNX Runtime choose.</summary>
    public NsgOnnxSession(string path, int intraOpThreads = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads };
        _session = new InferenceSession(path, options);
        var meta = _session.ModelMetadata.CustomMetadataMap;
        if (!meta.TryGetValue(NsgOnnxNames.TaskKey, out var task))
            throw new InvalidDataException($"{path} was not written by the NSG exporter (no '{NsgOnnxNames.TaskKey}' metadata).");
        Classification = Read<string>(task) == "Classification";
        FeatureNames = meta.TryGetValue(NsgOnnxNames.FeatureNamesKey, out var f) ? Read<string[]>(f) : [];
        TargetNames = meta.TryGetValue(NsgOnnxNames.TargetNamesKey, out var t) ? Read<string[]>(t) : [];
        ClassNames = meta.TryGetValue(NsgOnnxNames.ClassNamesKey, out var c) ? Read<string[]>(c) : [];
        Outputs = (int)_session.OutputMetadata[NsgOnnxNames.Output].Dimensions[1];
        Table = meta.TryGetValue(NsgOnnxNames.DataScalingKey, out var d) ? Read<DataScaling>(d).Table : null;
        if (Table != null && _session.InputMetadata.ContainsKey(NsgOnnxNames.Features))
            Table = null; // exported before table inputs were part of the graph: it takes encoded features
        Inputs = Table?.Width ?? (int)_session.InputMetadata[NsgOnnxNames.Features].Dimensions[1];
        NumericColumns = Table?.Inputs.Where(c => c.Kind == ColumnKind.Numeric).Select(c => c.Name).ToArray() ?? [];
        CategoricalColumns = Table?.Inputs.Where(c => c.Kind == ColumnKind.Categorical).Select(c => c.Name).ToArray() ?? [];
    }

    /// <summary>
    /// The table preprocessing inside the graph, for a model trained on a table file (inputs
    /// <see cref="NsgOnnxNames.NumericInputs"/> and <see cref="NsgOnnxNames.CategoricalInputs"/>); null for a model that
    /// takes <see cref="NsgOnnxNames.Features"/>.
    /// </summary>
    public TableEncoder? Table { get; }

    /// <summary>Table models: the columns of <see cref="NsgOnnxNames.NumericInputs"/>, in order (empty otherwise).</summary>
    public string[] NumericColumns { get; }

    /// <summary>Table models: the columns of <see cref="NsgOnnxNames.CategoricalInputs"/>, in order (empty otherwise).</summary>
    public string[] CategoricalColumns { get; }

    /// <summary>True for a classifier.</summary>
    public bool Classification { get; }

    /// <summary>Number of model inputs (for a table model: after one-hot encoding, inside the graph).</summary>
    public int Inputs { get; }

    /// <summary>Regression outputs or classes.</summary>
    public int Outputs { get; }

    /// <summary>Feature names of the training data (may be empty).</summary>
    public string[] FeatureNames { get; }

    /// <summary>Target names (regression; may be empty).</summary>
    public string[] TargetNames { get; }

    /// <summary>Class names (classification; may be empty).</summary>
    public string[] ClassNames { get; }

    /// <summary>Runs the graph on raw features (rows, inputs) row-major (models not trained on a table file).</summary>
    public OnnxPrediction Predict(float[] features, int rows)
    {
        if (Table != null)
            throw new InvalidOperationException($"This model was trained on a table file and takes its raw columns ({NsgOnnxNames.NumericInputs}: {string.Join(", ", NumericColumns)}; " +
                                                $"{NsgOnnxNames.CategoricalInputs}: {string.Join(", ", CategoricalColumns)}); use Predict(numeric, categorical, rows) or Predict(RawTable).");
        if (features.Length != (long)rows * Inputs)
            throw new ArgumentException($"Expected {rows} rows of {Inputs} features, got {features.Length} values.", nameof(features));
        return Run([NamedOnnxValue.CreateFromTensor(NsgOnnxNames.Features, new DenseTensor<float>(features, [rows, Inputs]))]);
    }

    /// <summary>
    /// Runs a table model on raw cells: <paramref name="numeric"/> (rows, <see cref="NumericColumns"/>) with NaN for a
    /// missing cell, <paramref name="categorical"/> (rows, <see cref="CategoricalColumns"/>) with "" for a missing cell,
    /// both row-major. The graph imputes, scales and one-hot encodes as training did.
    /// </summary>
    public OnnxPrediction Predict(double[] numeric, string[] categorical, int rows)
    {
        if (Table == null) throw new InvalidOperationException($"This model takes scaled-by-the-graph features ({NsgOnnxNames.Features}); use Predict(features, rows).");
        if (numeric.Length != (long)rows * NumericColumns.Length || categorical.Length != (long)rows * CategoricalColumns.Length)
            throw new ArgumentException($"Expected {rows} rows of {NumericColumns.Length} numeric and {CategoricalColumns.Length} categorical cells, got {numeric.Length} and {categorical.Length}.");
        var inputs = new List<NamedOnnxValue>();
        if (NumericColumns.Length > 0) inputs.Add(NamedOnnxValue.CreateFromTensor(NsgOnnxNames.NumericInputs, new DenseTensor<double>(numeric, [rows, NumericColumns.Length])));
        if (CategoricalColumns.Length > 0) inputs.Add(NamedOnnxValue.CreateFromTensor(NsgOnnxNames.CategoricalInputs, new DenseTensor<string>(categorical, [rows, CategoricalColumns.Length])));
        return Run(inputs);
    }

    /// <summary>
    /// Runs a table model on the rows of a file read with <see cref="RawTable.Read"/>: columns matched by name (or by
    /// position without header) as in training; missing cells, text in numeric columns and unseen categories are
    /// refused with the file, line and column, exactly as <see cref="TableEncoder.Transform"/> refuses them.
    /// </summary>
    public OnnxPrediction Predict(RawTable table, ICollection<string>? notes = null)
    {
        var encoder = Table ?? throw new InvalidOperationException($"This model was not trained on a table file; use Predict(features, rows).");
        encoder.Transform(table, withTarget: false, notes); // the encoder's checks and messages; the graph encodes
        var (columns, _) = encoder.MatchColumns(table, withTarget: false);
        int rows = table.Rows;
        var numeric = new List<double>(rows * NumericColumns.Length);
        var categorical = new List<string>(rows * CategoricalColumns.Length);
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < encoder.Inputs.Length; c++)
            {
                string? cell = table[i, columns[c]];
                if (encoder.Inputs[c].Kind == ColumnKind.Categorical) categorical.Add(cell ?? TableInputGraph.MissingCategory);
                else numeric.Add(cell != null ? double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture) : double.NaN); // checked by Transform
            }
        return Predict(numeric.ToArray(), categorical.ToArray(), rows);
    }

    private OnnxPrediction Run(IReadOnlyCollection<NamedOnnxValue> inputs)
    {
        using var results = _session.Run(inputs);
        float[] Get(string name) => results.First(r => r.Name == name).AsTensor<float>().ToArray();
        return Classification
            ? new OnnxPrediction
            {
                Output = Get(NsgOnnxNames.Output), Embedding = Get(NsgOnnxNames.Embedding), Probabilities = Get(NsgOnnxNames.Probabilities),
                Labels = results.First(r => r.Name == NsgOnnxNames.Label).AsTensor<long>().ToArray(),
            }
            : new OnnxPrediction { Output = Get(NsgOnnxNames.Output), Embedding = Get(NsgOnnxNames.Embedding), Values = Get(NsgOnnxNames.Prediction) };
    }

    /// <summary>
    /// Only the main output (values or probabilities) for <paramref name="rows"/> rows, into a reusable buffer: the
    /// serving path the benchmark times.
    /// </summary>
    public void PredictInto(float[] features, int rows, float[] result)
    {
        if (Table != null) throw new InvalidOperationException("PredictInto serves models that take features; this one takes a table's raw columns.");
        var input = new DenseTensor<float>(features.AsMemory(0, rows * Inputs), [rows, Inputs]);
        string name = Classification ? NsgOnnxNames.Probabilities : NsgOnnxNames.Prediction;
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(NsgOnnxNames.Features, input)], [name]);
        var t = results[0].AsTensor<float>();
        int k = 0;
        foreach (float v in t) result[k++] = v;
    }

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, JsonSettings.Options)!;

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
