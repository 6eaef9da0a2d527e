using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Runs an <see cref="ExperimentSpec"/> end to end: load, split, scale, build, train, evaluate.</summary>
public static class ExperimentRunner
{
    /// <summary>
    /// Runs the experiment. With <paramref name="outDir"/> the checkpoint (and so the trained model) is written there;
    /// <paramref name="resume"/> continues a run found there. With <paramref name="outDir"/> and
    /// <paramref name="savePlotData"/> the embeddings of a seeded training subsample are recorded at chosen epochs and
    /// <see cref="RunPlotData"/> is saved for <c>RunPlots</c>.
    /// </summary>
    public static ExperimentResult Run(ExperimentSpec spec, IEnumerable<ITrainingCallback>? callbacks = null, string? outDir = null, bool resume = false,
        bool savePlotData = true) =>
        RunAndInspect(spec, callbacks, outDir, resume, afterTraining: null, savePlotData);

    /// <summary>
    /// As <see cref="Run"/>; <paramref name="afterTraining"/>
    /// sees the trained model and its prepared data before both are disposed (e.g. to fit NSG* on the frozen encoder).
    /// </summary>
    public static ExperimentResult RunAndInspect(ExperimentSpec spec, IEnumerable<ITrainingCallback>? callbacks, string? outDir, bool resume,
        Action<NeuralSparseGrid, PreparedData>? afterTraining, bool savePlotData = true)
    {
        TorchRuntime.EnsureLoaded();
        var dataset = spec.Data.Load(spec.DataSeed);
        bool images = spec.Model.Encoder == EncoderKind.Cnn || DataSources.IsImages(spec.Data.Source);
        using var data = PreparedData.Create(dataset, spec.Split.Train, spec.Split.Validation, spec.Split.Test, spec.DataSeed, scaleFeatures: !images);
        var config = spec.Model with
        {
            Inputs = data.Inputs,
            Outputs = data.Outputs,
            Task = dataset.Task == DatasetTask.Classification ? NsgTask.Classification : NsgTask.Regression,
        };
        using var model = NeuralSparseGrid.Create(config, spec.Training.Seed);
        var trainer = new NsgTrainer(model, spec.Training);
        trainer.Metadata[DataScaling.MetadataKey] = data.Scaling.ToJson();
        if (callbacks != null) trainer.Callbacks.AddRange(callbacks);
        using var followed = outDir != null && savePlotData ? FollowTraining(data.Train, spec, outDir, resume) : null;
        if (followed != null) trainer.Callbacks.Add(followed);
        var result = trainer.Fit(data.Train, data.Validation, outDir, resume);
        afterTraining?.Invoke(model, data);
        // The test split is forwarded once: its outputs feed both the metrics and the plot data.
        using var testOutput = ModelEvaluation.Outputs(model, data.Test);
        if (followed != null) RunPlotData.Collect(model, data, followed, testOutput).Save(Path.Combine(outDir!, RunPlotData.FileName));
        return new ExperimentResult
        {
            Test = ModelEvaluation.EvaluateOutputs(testOutput, data.Test, data.Scaling, config.Outputs),
            Validation = ModelEvaluation.Evaluate(model, data.Validation, data.Scaling),
            Bayes = BayesBaseline.Evaluate(spec.Data, data.TestRaw, data.Scaling),
            Epochs = result.EpochsCompleted,
            BestEpoch = result.BestEpoch,
            Seconds = result.Seconds,
            Outputs = config.Outputs,
            GridPoints = model.Grid.PointCount,
            ActivatedPoints = SaveCoverage(model, data.Train, outDir).ActivatedCount,
            Bursts = result.Bursts,
            Status = result.Status,
            Divergence = result.Divergence,
            History = result.History,
        };
    }

    /// <summary>
    /// The snapshot recorder of a run; when resuming, the snapshots already saved in <paramref name="outDir"/> are
    /// carried over (they were taken of the same seeded subsample).
    /// </summary>
    private static EmbeddingSnapshotCallback FollowTraining(TrainingSplit train, ExperimentSpec spec, string outDir, bool resume)
    {
        var followed = new EmbeddingSnapshotCallback(train, lastEpoch: spec.Training.Epochs, seed: spec.DataSeed);
        string path = Path.Combine(outDir, RunPlotData.FileName);
        if (resume && File.Exists(path))
            foreach (var s in RunPlotData.Load(path).Snapshots.Where(s => s.Count == followed.Rows.Length))
                followed.Snapshots.Add(s.Label, s.Embeddings, s.Count, s.Dim, s.ClassLabels, s.Targets);
        return followed;
    }

    /// <summary>File of the training coverage mask inside a run directory.</summary>
    public const string CoverageFile = "coverage.bin";

    /// <summary>
    /// The grid points activated by the training embeddings (thesis Tables 3.13/3.14), saved into
    /// <paramref name="outDir"/> (if given) so predictions can flag embeddings outside the trained region.
    /// </summary>
    public static GridCoverage SaveCoverage(NeuralSparseGrid model, TrainingSplit train, string? outDir)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        var h = Predictor.Embed(model, train.X).to(ScalarType.Float64).contiguous();
        var coverage = GridCoverage.FromEmbeddings(model.Grid, h.data<double>().ToArray(), train.Count);
        if (outDir != null) coverage.Save(Path.Combine(outDir, CoverageFile));
        return coverage;
    }
}
