using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
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
        Inputs = (int)_session.InputMetadata[NsgOnnxNames.Features].Dimensions[1];
        Outputs = (int)_session.OutputMetadata[NsgOnnxNames.Output].Dimensions[1];
    }

    /// <summary>True for a classifier.</summary>
    public bool Classification { get; }

    /// <summary>Number of input features.</summary>
    public int Inputs { get; }

    /// <summary>Regression outputs or classes.</summary>
    public int Outputs { get; }

    /// <summary>Feature names of the training data (may be empty).</summary>
    public string[] FeatureNames { get; }

    /// <summary>Target names (regression; may be empty).</summary>
    public string[] TargetNames { get; }

    /// <summary>Class names (classification; may be empty).</summary>
    public string[] ClassNames { get; }

    /// <summary>Runs the graph on raw features (rows, inputs) row-major.</summary>
    public OnnxPrediction Predict(float[] features, int rows)
    {
        if (features.Length != (long)rows * Inputs)
            throw new ArgumentException($"Expected {rows} rows of {Inputs} features, got {features.Length} values.", nameof(features));
        var input = new DenseTensor<float>(features, [rows, Inputs]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(NsgOnnxNames.Features, input)]);
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
