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
    /// <summary>Input: raw features (batch, inputs) float32, in the training data's units (the graph scales them).</summary>
    public const string Features = "features";

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
}

/// <summary>
/// Exports a trained <see cref="NeuralSparseGrid"/> to ONNX: input scaling, encoder (MLP or residual CNN with batch
/// normalisation), rescaling into [0,1]^d and the sparse grid layer (or the equal-parameter dense head), then softmax
/// and argmax (classification) or the inverse target scaling (regression), all in standard ONNX operators of opset
/// <see cref="Opset"/> (no custom operators), float32. Input <see cref="NsgOnnxNames.Features"/> (batch, inputs).
/// </summary>
public static class NsgOnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (ONNX Runtime supports it since 1.13).</summary>
    public const int Opset = 17;

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
        g.Graph.Input.Add(OnnxGraphBuilder.BatchTensor(NsgOnnxNames.Features, TensorProto.Types.DataType.Float, config.Inputs));

        string x = NsgOnnxNames.Features;
        if (scaling?.Features is { } features) x = Affine(g, x, MinMaxScaler.FromState(features), inverse: false);
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
        AddMetadata(proto, NsgOnnxNames.TaskKey, config.Task.ToString());
        AddMetadata(proto, NsgOnnxNames.FeatureNamesKey, scaling?.FeatureNames ?? []);
        AddMetadata(proto, NsgOnnxNames.TargetNamesKey, scaling?.TargetNames ?? []);
        AddMetadata(proto, NsgOnnxNames.ClassNamesKey, scaling?.ClassNames ?? []);
        AddMetadata(proto, NsgOnnxNames.ConfigKey, config);
        if (scaling != null) AddMetadata(proto, NsgOnnxNames.DataScalingKey, scaling);
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
