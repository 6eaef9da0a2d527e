using System.Globalization;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// An <see cref="ExperimentSpec"/> spelled as `nsg train` options (the stable interface sweep cells run through), every
/// option explicit so CLI defaults cannot shift a result. The inverse of the CLI's ExperimentOptions.Parse; a test
/// parses the output back and checks it gives the same spec for every thesis table.
/// </summary>
public static class TrainArguments
{
    /// <summary>The options (name without "--", value) that make `nsg train` run <paramref name="spec"/>, seed included.</summary>
    /// <exception cref="ArgumentException">The spec uses a setting `nsg train` has no option for.</exception>
    public static IReadOnlyList<KeyValuePair<string, string?>> From(ExperimentSpec spec)
    {
        CheckExpressible(spec);
        var o = new List<KeyValuePair<string, string?>>();
        void Add(string name, object value) => o.Add(new(name, value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        }));
        var (data, model, training) = (spec.Data, spec.Model, spec.Training);
        Add("data", data.Source);
        if (data.Source is "swissroll") Add("swissroll-t", data.SwissRollT == SwissRollT.Unit ? "unit" : "radians");
        if (data.Source is "swissroll" or "twomoons") { Add("count", data.Count); Add("noise", data.Noise); }
        if (data.TableOptions.Target is string target) Add("target", target);
        if (data.TableOptions.Task is DatasetTask task) Add("task", task == DatasetTask.Classification ? "classification" : "regression");
        AddTableOptions(data, Add);
        if (data.Limit is int limit) Add("limit", limit);
        switch (model.Encoder)
        {
            case CnnEncoderConfig cnn:
                Add("encoder", "cnn");
                Add("cnn-width", cnn.Width);
                break;
            case MlpEncoderConfig mlp:
                Add("encoder", string.Join(',', new[] { model.Inputs }.Concat(mlp.HiddenLayers)));
                Add("activation", mlp.Activation switch { Activation.Tanh => "tanh", Activation.Sigmoid => "sigmoid", Activation.LeakyReLU => "leaky-relu", _ => "relu" });
                Add("latent-gain", mlp.LatentInitGain);
                break;
        }
        Add("latent", model.Latent);
        if (model.Grid.Levels is int[] levels) Add("levels", string.Join(',', levels));
        else Add("level", model.Grid.Level);
        Add("grid", model.Grid.Type switch
        {
            GridType.LinearBoundary => "boundary", GridType.LinearExtendedBoundary => "extended-boundary", GridType.ModifiedLinear => "modified-linear", _ => "linear",
        });
        Add("rescale", model.Rescale.ToString());
        Add("coef-init", model.Grid.CoefficientInit == CoefficientInit.Zeros ? "zeros" : "normal");
        Add("head", model.Head == HeadKind.Dense ? "dense" : "sparse-grid");
        Add("method", training.Method switch { TrainingMethod.LeastSquares => "ls", TrainingMethod.IterativeLeastSquares => "ils", _ => "gradient" });
        Add("optimizer", training.Optimizer == OptimizerKind.Sgd ? "sgd" : "adam");
        Add("lr", training.LearningRate);
        Add("coef-lr-scale", training.Gradient.CoefficientLearningRateScale);
        // Only when not the default 1, so sweep specs written before the option existed stay unchanged.
        if (training.Gradient.DenseOutputLearningRateScale is not 1.0)
            Add("dense-lr-scale", training.Gradient.DenseOutputLearningRateScale is double denseScale ? (object)denseScale : "auto");
        Add("freeze-encoder", training.Gradient.FrozenEncoderEpochs);
        Add("lambda", training.LeastSquares.Lambda);
        Add("ils-iterations", training.Ils.Iterations);
        Add("epochs", training.Epochs);
        Add("batch", training.BatchSize);
        Add("patience", training.EarlyStoppingPatience);
        if (training.GradientClipNorm is double clip) Add("clip", clip);
        Add("schedule", training.Schedule.ToString().ToLowerInvariant());
        if (training.Spread > 0) { Add("spread", training.Spread); Add("spread-epochs", training.SpreadEpochs); }
        if (training.Adaptivity is { Mode: AdaptMode.Subspaces or AdaptMode.Points } adapt)
        {
            Add("adapt", adapt.Mode == AdaptMode.Points ? "points" : "subspaces");
            Add("refine-every", adapt.RefineEvery);
            Add("refine-count", adapt.RefineCount);
            if (adapt.MaxPoints is long max) Add("max-points", max);
            Add("indicator", adapt.Indicator == RefinementIndicator.Gradient ? "gradient" : "surplus");
            Add("coarsen", adapt.CoarsenTolerance);
        }
        Add("split", string.Join(',', new[] { spec.Split.Train, spec.Split.Validation, spec.Split.Test }.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        Add("data-seed", spec.DataSeed);
        Add("seed", training.Seed);
        return o;
    }

    // How a table file's columns become inputs: explicit for table files (a cell must read its file as the sweep's
    // author did), and wherever a setting differs from the default (spectra files are read with the same options).
    private static void AddTableOptions(DataSpec data, Action<string, object> add)
    {
        var table = data.TableOptions;
        var defaults = new TableOptions();
        if (table.Drop.Count > 0) add("drop", string.Join(',', table.Drop));
        if (data.IsTable || table.Missing != defaults.Missing)
            add("missing", table.Missing switch { MissingValues.DropRows => "drop-rows", MissingValues.ImputeMedian => "impute-median", _ => "error" });
        if (data.IsTable || table.UnknownCategory != defaults.UnknownCategory)
            add("unknown-category", table.UnknownCategory == UnknownCategory.Ignore ? "ignore" : "error");
        if (data.IsTable || table.Scale != defaults.Scale)
            add("scale", table.Scale switch { InputScaling.Standard => "standard", InputScaling.None => "none", _ => "minmax" });
    }

    private static void CheckExpressible(ExperimentSpec spec)
    {
        var t = spec.Training;
        var d = new TrainingOptions();
        var differing = new List<string>();
        if (t.FusedOptimizer != d.FusedOptimizer) differing.Add(nameof(t.FusedOptimizer));
        if (t.FusedStep != d.FusedStep) differing.Add(nameof(t.FusedStep));
        if (t.Momentum != d.Momentum) differing.Add(nameof(t.Momentum));
        if (t.LeastSquares.SolveBatchSize != d.LeastSquares.SolveBatchSize) differing.Add("LeastSquares.SolveBatchSize");
        if (t.Ils with { Iterations = d.Ils.Iterations } != d.Ils) differing.Add("Ils (solver)");
        if (t.RestoreBest != d.RestoreBest) differing.Add(nameof(t.RestoreBest));
        if (t.Spread == 0 && t.SpreadEpochs != 0) differing.Add(nameof(t.SpreadEpochs) + " without Spread");
        if (t.BurstFactor != d.BurstFactor) differing.Add(nameof(t.BurstFactor));
        if (t.TorchThreads != d.TorchThreads) differing.Add(nameof(t.TorchThreads));
        if (spec.Model.Encoder is CnnEncoderConfig cnn && cnn.ImageSize != new CnnEncoderConfig().ImageSize) differing.Add("Encoder.ImageSize");
        if (differing.Count > 0)
            throw new ArgumentException($"`nsg train` has no option for {string.Join(", ", differing)}; this experiment cannot run as a sweep cell.");
    }
}
