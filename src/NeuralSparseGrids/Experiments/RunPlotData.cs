using System.Text.Json;
using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// What the plots of a run need beyond the trained model: test predictions, embeddings of a fixed training subsample
/// and their snapshots over epochs. Written by <see cref="ExperimentRunner.Run"/> into the run directory as
/// <see cref="FileName"/>, so plots never have to re-create the data.
/// </summary>
public sealed record RunPlotData
{
    /// <summary>File name inside a run directory.</summary>
    public const string FileName = "plot-data.json";

    /// <summary>True for classification runs.</summary>
    public bool Classification { get; init; }

    /// <summary>Latent dimension d.</summary>
    public int Latent { get; init; }

    /// <summary>Regression outputs or classes.</summary>
    public int Outputs { get; init; }

    /// <summary>Target names (regression) or class names (classification).</summary>
    public string[] Names { get; init; } = [];

    /// <summary>Test rows.</summary>
    public int TestRows { get; init; }

    /// <summary>Regression: test targets (rows, outputs) row-major in the target's units.</summary>
    public double[] TestActual { get; init; } = [];

    /// <summary>Regression: test predictions (rows, outputs) row-major in the target's units.</summary>
    public double[] TestPredicted { get; init; } = [];

    /// <summary>Classification: true test labels (rows).</summary>
    public int[] TestLabels { get; init; } = [];

    /// <summary>Classification: predicted test labels (rows).</summary>
    public int[] TestPredictedLabels { get; init; } = [];

    /// <summary>Embeddings of the followed training rows under the final model, (n, d) row-major.</summary>
    public float[] TrainEmbeddings { get; init; } = [];

    /// <summary>Class labels of the followed training rows (classification).</summary>
    public int[]? TrainLabels { get; init; }

    /// <summary>First (normalised) target of the followed training rows (regression).</summary>
    public double[]? TrainTargets { get; init; }

    /// <summary>Embeddings of the same rows during training (see <see cref="EmbeddingSnapshotCallback"/>).</summary>
    public List<EmbeddingSnapshot> Snapshots { get; init; } = [];

    /// <summary>
    /// Gathers the plot data of a trained <paramref name="model"/>; <paramref name="testOutput"/> are its outputs
    /// (test rows, outputs) on <c>data.Test</c>, computed once by the caller for the metrics as well.
    /// </summary>
    public static RunPlotData Collect(NeuralSparseGrid model, PreparedData data, EmbeddingSnapshotCallback followed, Tensor testOutput)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        var output = testOutput;
        int rows = data.Test.Count, outputs = model.Config.Outputs;
        bool classification = data.Test.IsClassification;
        var result = new RunPlotData
        {
            Classification = classification,
            Latent = model.Config.Latent,
            Outputs = outputs,
            Names = classification ? data.Scaling.ClassNames : data.Scaling.TargetNames,
            TestRows = rows,
            TrainEmbeddings = followed.Embed(model),
            TrainLabels = followed.Labels,
            TrainTargets = followed.Targets,
            Snapshots = followed.Snapshots.Snapshots.ToList(),
        };
        if (classification)
            return result with
            {
                TestLabels = data.Test.Y.data<long>().ToArray().Select(l => (int)l).ToArray(),
                TestPredictedLabels = Metrics.PredictedLabels(output).data<long>().ToArray().Select(l => (int)l).ToArray(),
            };
        var predicted = output.to(ScalarType.Float64).data<double>().ToArray();
        var actual = data.Test.Y.to(ScalarType.Float64).data<double>().ToArray();
        if (data.Scaling.Targets != null)
        {
            var scaler = MinMaxScaler.FromState(data.Scaling.Targets);
            predicted = scaler.InverseTransform(predicted, rows);
            actual = scaler.InverseTransform(actual, rows);
        }
        return result with { TestPredicted = predicted, TestActual = actual };
    }

    /// <summary>Writes the data atomically to <paramref name="path"/>.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonSettings.Options));

    /// <summary>Reads data written by <see cref="Save"/>; throws <see cref="InvalidDataException"/> if the file is damaged.</summary>
    public static RunPlotData Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunPlotData>(File.ReadAllText(path), JsonSettings.Options)
                   ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid plot data: {e.Message}", e);
        }
    }
}
