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
    /// <see cref="RunPlotData"/> is saved for <c>RunPlots</c>. <paramref name="report"/> receives, before training
    /// starts, the notes on the data (task detection, encoding, rows left out) and the one-line model summary; they
    /// are also in <see cref="ExperimentResult.Notes"/>.
    /// </summary>
    public static ExperimentResult Run(ExperimentSpec spec, IEnumerable<ITrainingCallback>? callbacks = null, string? outDir = null, bool resume = false,
        bool savePlotData = true, Action<string>? report = null) =>
        RunAndInspect(spec, callbacks, outDir, resume, afterTraining: null, savePlotData, report);

    /// <summary>
    /// As <see cref="Run"/>; <paramref name="afterTraining"/>
    /// sees the trained model and its prepared data before both are disposed (e.g. to fit NSG* on the frozen encoder).
    /// </summary>
    public static ExperimentResult RunAndInspect(ExperimentSpec spec, IEnumerable<ITrainingCallback>? callbacks, string? outDir, bool resume,
        Action<NeuralSparseGrid, PreparedData>? afterTraining, bool savePlotData = true, Action<string>? report = null)
    {
        TorchRuntime.EnsureLoaded();
        // Before the data are read or generated: the compiling (about 0.14 s of one core) should be done by the first step.
        if (spec.Training.Adaptivity.Mode != AdaptMode.None) StepPrecompilation.Start(spec.Training.Adaptivity.Mode);
        var notes = new List<string>();
        using var data = Prepare(spec, notes);
        if (spec.DensityHead != null && data.Task != DatasetTask.Classification) DensityHead.EnsureClassification(NsgTask.Regression);
        var config = spec.Model with
        {
            Inputs = data.Inputs,
            Outputs = data.Outputs,
            Task = data.Task == DatasetTask.Classification ? NsgTask.Classification : NsgTask.Regression,
        };
        if (spec.DeclaredInputs is int declared && declared != data.Inputs && config.Encoder is MlpEncoderConfig mlp)
            notes.Add($"Note: --encoder starts with input width {declared}, but the data give {data.Inputs} model inputs; the encoder uses {data.Inputs} " +
                      $"(--encoder {data.Inputs},{string.Join(",", mlp.HiddenLayers)}).");
        using var model = NeuralSparseGrid.Create(config, spec.Training.Seed);
        notes.Add(Summary(model, data));
        foreach (var note in notes) report?.Invoke(note);
        var trainer = new NsgTrainer(model, spec.Training);
        trainer.Metadata[DataScaling.MetadataKey] = data.Scaling.ToJson();
        if (callbacks != null) trainer.Callbacks.AddRange(callbacks);
        using var followed = outDir != null && savePlotData ? FollowTraining(data.Train, spec, outDir, resume) : null;
        if (followed != null) trainer.Callbacks.Add(followed);
        var result = trainer.Fit(data.Train, data.Validation, outDir, resume);
        afterTraining?.Invoke(model, data);
        // After a divergence the model holds its last good parameters: the density head is fitted on those.
        var density = spec.DensityHead != null ? DensityHeadResult.FitAndEvaluate(model, data, spec.DensityHead, outDir) : null;
        // The test split is forwarded once: its outputs feed both the metrics and the plot data.
        using var testOutput = ModelEvaluation.Outputs(model, data.Test);
        if (followed != null) RunPlotData.Collect(model, data, followed, testOutput).Save(Path.Combine(outDir!, RunPlotData.FileName));
        return new ExperimentResult
        {
            Test = ModelEvaluation.EvaluateOutputs(testOutput, data.Test, data.Scaling, config.Outputs),
            Validation = ModelEvaluation.Evaluate(model, data.Validation, data.Scaling),
            Bayes = BayesBaseline.Evaluate(spec.Data, data.TestRaw, data.Scaling),
            TrivialBaseline = TrivialBaseline.Evaluate(data.Train, data.Test, data.Scaling, config.Outputs),
            Model = model.Config,
            ClassNames = data.Scaling.ClassNames,
            Notes = notes,
            Epochs = result.EpochsCompleted,
            BestEpoch = result.BestEpoch,
            Seconds = result.Seconds,
            Outputs = config.Outputs,
            GridPoints = model.Grid.PointCount,
            ActivatedPoints = SaveCoverage(model, data.Train, outDir).ActivatedCount,
            Refinements = result.Refinements,
            Bursts = result.Bursts,
            Status = result.Status,
            Divergence = result.Divergence,
            History = result.History,
            DensityHead = density,
        };
    }

    /// <summary>True when the experiment's inputs are images (pixels in [0, 1], not min-max scaled).</summary>
    public static bool IsImageData(ExperimentSpec spec) =>
        spec.Model.Encoder is CnnEncoderConfig || DataSources.IsImages(spec.Data.Source);

    /// <summary>
    /// Loads and splits the data of <paramref name="spec"/> as training sees it: table files through
    /// <see cref="PreparedData.FromTable"/> (task detection, one-hot, missing values, input scaling), generated data
    /// and images through <see cref="PreparedData.Create"/>.
    /// </summary>
    /// <param name="spec">The experiment.</param>
    /// <param name="notes">Receives what was decided about the data.</param>
    public static PreparedData Prepare(ExperimentSpec spec, ICollection<string>? notes = null)
    {
        var (train, validation, test) = spec.Split;
        if (spec.Data.IsTable)
            return PreparedData.FromTable(spec.Data.LoadTable(spec.DataSeed), spec.Data.TableOptions, train, validation, test, spec.DataSeed, notes);
        return PreparedData.Create(spec.Data.Load(spec.DataSeed), train, validation, test, spec.DataSeed, scaleFeatures: !IsImageData(spec));
    }

    /// <summary>One line: encoder, latent dimension, grid (type, level, points), parameter count and split sizes.</summary>
    public static string Summary(NeuralSparseGrid model, PreparedData data)
    {
        var c = model.Config;
        string encoder = c.Encoder switch
        {
            CnnEncoderConfig cnn => $"CNN encoder (width {cnn.Width})",
            MlpEncoderConfig mlp => $"MLP encoder {string.Join("-", new[] { c.Inputs }.Concat(mlp.HiddenLayers).Append(c.Latent))} ({mlp.Activation})",
            _ => c.Encoder.Kind.ToString(),
        };
        var g = c.Grid;
        string head = c.Head == HeadKind.Dense
            ? $"dense equal-parameter head (replaces a {g.Type} grid of level {g.Level})"
            : $"{g.Type} sparse grid {(g.Levels is null ? $"level {g.Level}" : $"levels {string.Join(",", g.Levels)}")} ({model.Grid.PointCount} points)";
        long parameters = model.parameters().Sum(p => p.numel());
        return $"Model: {encoder}, latent {c.Latent}, {head}, {parameters:N0} parameters; " +
               $"split {data.Train.Count} train / {data.Validation.Count} validation / {data.Test.Count} test rows.";
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
