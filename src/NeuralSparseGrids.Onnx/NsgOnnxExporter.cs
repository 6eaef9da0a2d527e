using System.Text.Json;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using Onnx;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Onnx;

/// <summary>Names of the exported graph's input, outputs and metadata entries.</summary>
public static class NsgOnnxNames
{
    /// <summary>Input: raw features (batch, inputs) float32, in the training data's units (the graph scales them); models not trained on a table file.</summary>
    public const string Features = "features";

    /// <summary>
    /// Input of a model trained on a table file: the numeric input columns' raw values (batch, numeric columns) float64,
    /// in the order of the training file (<c>TableEncoder.Inputs</c> without the categorical ones); NaN is a missing
    /// cell (replaced by the training median under impute-median, else it makes the row's outputs NaN).
    /// </summary>
    public const string NumericInputs = "numeric";

    /// <summary>
    /// Input of a model trained on a table file with categorical columns: their raw cells (batch, categorical columns)
    /// string, in training-file order; "" is a missing cell (the training mode under impute-median). A category the
    /// training split did not hold makes ONNX Runtime refuse the batch, or encodes as all zeros when the model was
    /// trained with unknown-category ignore.
    /// </summary>
    public const string CategoricalInputs = "categorical";

    /// <summary>Output: embeddings h = rho(N(x)) (batch, latent) in [0,1]^latent.</summary>
    public const string Embedding = "embedding";

    /// <summary>Output: the model's raw output (batch, outputs): normalised regression values or class logits.</summary>
    public const string Output = "output";

    /// <summary>Regression output: predictions (batch, outputs) in the target's units.</summary>
    public const string Prediction = "prediction";

    /// <summary>Classification output: class probabilities (batch, classes), softmax of the logits.</summary>
    public const string Probabilities = "probabilities";

    /// <summary>Classification output: the most probable class (batch) int64.</summary>
    public const string Label = "label";

    /// <summary>Metadata keys (values are JSON): task, feature/target/class names, model configuration.</summary>
    public const string TaskKey = "nsg.task", FeatureNamesKey = "nsg.featureNames", TargetNamesKey = "nsg.targetNames",
        ClassNamesKey = "nsg.classNames", ConfigKey = "nsg.config";

    /// <summary>Metadata key of the run's whole <c>DataScaling</c> (JSON), so a reader can encode raw rows as in training.</summary>
    public const string DataScalingKey = "nsg.dataScaling";

    /// <summary>Metadata keys (JSON string arrays) of a table model: the columns of <see cref="NumericInputs"/> and <see cref="CategoricalInputs"/>.</summary>
    public const string NumericColumnsKey = "nsg.numericColumns", CategoricalColumnsKey = "nsg.categoricalColumns";
}

/// <summary>
/// Exports a trained <see cref="NeuralSparseGrid"/> to ONNX: input scaling, encoder (MLP or residual CNN with batch
/// normalisation), rescaling into [0,1]^d and the sparse grid layer (or the equal-parameter dense head), then softmax
/// and argmax (classification) or the inverse target scaling (regression), all in standard ONNX operators of opset
/// <see cref="Opset"/> (no custom operators), float32.
/// </summary>
/// <remarks>
/// <para>Inputs. A model trained on generated data, images or spectra takes <see cref="NsgOnnxNames.Features"/>
/// (batch, inputs) float32 in the data's own units; the training min-max scaling is the graph's first node.</para>
/// <para>A model trained on a table file (CSV/ARFF, <see cref="DataScaling.Table"/>) takes the file's raw cells instead:
/// <see cref="NsgOnnxNames.NumericInputs"/> (batch, numeric columns) float64 and, when the file has categorical input
/// columns, <see cref="NsgOnnxNames.CategoricalInputs"/> (batch, categorical columns) string, each in the training
/// file's column order (names in the metadata entries <see cref="NsgOnnxNames.NumericColumnsKey"/> and
/// <see cref="NsgOnnxNames.CategoricalColumnsKey"/>). The graph imputes (impute-median: NaN and "" are missing), scales
/// numeric columns (min-max or standard, in float64) and one-hot encodes categories with the ONNX-ML operator
/// <c>OneHotEncoder</c> (domain ai.onnx.ml, part of the ONNX standard; opset 1), exactly as <c>TableEncoder</c> does.
/// What the graph cannot do: match columns by name, parse text, or name the offending cell: a reader (as
/// <see cref="NsgOnnxSession.Predict(RawTable, ICollection{string}?)"/>) does that before.</para>
/// </remarks>
public static class NsgOnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (ONNX Runtime supports it since 1.13).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX-ML operator set (<c>OneHotEncoder</c> of table models with categorical columns).</summary>
    public const int MlOpset = 1;

    /// <summary>Exports the model of a run directory (with its feature and target scaling) to <paramref name="path"/>, atomically.</summary>
    public static void Export(TrainedModel trained, string path) => Export(trained.Model, path, trained.Scaling);

    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="path"/> (atomically). With <paramref name="scaling"/> the graph
    /// takes raw features and returns regression predictions in target units; without it, it takes the model's inputs
    /// as they are and <see cref="NsgOnnxNames.Prediction"/> equals <see cref="NsgOnnxNames.Output"/>.
    /// </summary>
    public static void Export(NeuralSparseGrid model, string path, DataScaling? scaling = null)
    {
        var proto = Build(model, scaling);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, temp => proto.WriteToFile(temp));
    }

    /// <summary>The ONNX model of <paramref name="model"/> (see <see cref="Export(NeuralSparseGrid, string, DataScaling?)"/>).</summary>
    public static ModelProto Build(NeuralSparseGrid model, DataScaling? scaling = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        bool classification = config.Task == NsgTask.Classification;
        var g = new OnnxGraphBuilder("neural_sparse_grid");
        string x;
        if (scaling?.Table is { } table)
        {
            if (table.Width != config.Inputs)
                throw new ArgumentException($"The table encoder gives {table.Width} model inputs, the model takes {config.Inputs}.", nameof(scaling));
            x = TableInputGraph.Append(g, table);
        }
        else
        {
            g.Graph.Input.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Features, TensorProto.Types.DataType.Float, config.Inputs));
            x = NsgOnnxNames.Features;
            if (scaling?.Features is { } features) x = Affine(g, x, MinMaxScaler.FromState(features), inverse: false);
        }
        var raw = EncoderGraph.Append(g, x, model.Encoder, config.Inputs);
        var h = g.Node("Identity", [EncoderGraph.Rescale(g, raw, model.Rescaling)], NsgOnnxNames.Embedding);
        var head = model.DenseHead is { } dense
            ? EncoderGraph.DenseHead(g, h, dense)
            : SparseGridGraph.Append(g, h, model.Grid, EncoderGraph.Data(model.Layer.Coefficients), config.Outputs);
        var output = g.Node("Identity", [head], NsgOnnxNames.Output);
        g.Graph.Output.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Embedding, TensorProto.Types.DataType.Float, config.Latent));
        g.Graph.Output.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Output, TensorProto.Types.DataType.Float, config.Outputs));
        if (classification)
        {
            g.Node("Softmax", [output], NsgOnnxNames.Probabilities, OnnxGraphBuilder.Int("axis", 1));
            g.Node("ArgMax", [output], NsgOnnxNames.Label, OnnxGraphBuilder.Int("axis", 1), OnnxGraphBuilder.Int("keepdims", 0));
            g.Graph.Output.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Probabilities, TensorProto.Types.DataType.Float, config.Outputs));
            g.Graph.Output.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Label, TensorProto.Types.DataType.Int64));
        }
        else
        {
            var prediction = scaling?.Targets is { } targets ? Affine(g, output, MinMaxScaler.FromState(targets), inverse: true) : output;
            g.Node("Identity", [prediction], NsgOnnxNames.Prediction);
            g.Graph.Output.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Prediction, TensorProto.Types.DataType.Float, config.Outputs));
        }

        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "NeuralSparseGrids",
            ProducerVersion = typeof(NeuralSparseGrid).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"Neural Sparse Grid: {config.Encoder.Kind} encoder, {model.Rescaling} rescaling, {(model.DenseHead != null ? "dense head replacing " : "")}{model.Grid}.",
            Graph = g.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (g.Graph.Node.Any(n => n.Domain == OnnxGraphBuilder.MlDomain))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraphBuilder.MlDomain, Version = MlOpset });
        AddMetadata(proto, NsgOnnxNames.TaskKey, config.Task.ToString());
        AddMetadata(proto, NsgOnnxNames.FeatureNamesKey, scaling?.FeatureNames ?? []);
        AddMetadata(proto, NsgOnnxNames.TargetNamesKey, scaling?.TargetNames ?? []);
        AddMetadata(proto, NsgOnnxNames.ClassNamesKey, scaling?.ClassNames ?? []);
        AddMetadata(proto, NsgOnnxNames.ConfigKey, config);
        if (scaling != null) AddMetadata(proto, NsgOnnxNames.DataScalingKey, scaling);
        if (scaling?.Table is { } t)
        {
            AddMetadata(proto, NsgOnnxNames.NumericColumnsKey, t.Inputs.Where(c => c.Kind == ColumnKind.Numeric).Select(c => c.Name).ToArray());
            AddMetadata(proto, NsgOnnxNames.CategoricalColumnsKey, t.Inputs.Where(c => c.Kind == ColumnKind.Categorical).Select(c => c.Name).ToArray());
        }
        return proto;
    }

    // y = a x + b per column: the min-max scaling (x - min) / (max - min) (0.5 for a constant column) or its inverse.
    private static string Affine(OnnxGraphBuilder g, string x, MinMaxScaler scaler, bool inverse)
    {
        int c = scaler.Columns;
        var a = new float[c];
        var b = new float[c];
        double[] min = scaler.Min, max = scaler.Max;
        for (int j = 0; j < c; j++)
        {
            double range = max[j] - min[j];
            (a[j], b[j]) = inverse ? ((float)range, (float)min[j])
                : range > 0 ? ((float)(1 / range), (float)(-min[j] / range)) : (0f, 0.5f);
        }
        return g.Add(g.Mul(x, g.Floats("scale_a", a, c)), g.Floats("scale_b", b, c));
    }

    private static void AddMetadata<T>(ModelProto proto, string key, T value) =>
        proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = JsonSerializer.Serialize(value, JsonSettings.Options) });
}
