using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments;

/// <summary>What an experiment produced. Regression metrics are on the min-max normalised target (Eq. 3.19); the Raw ones in the target's units.</summary>
public sealed record ExperimentResult
{
    /// <summary>Test metrics (normalised targets for regression).</summary>
    public required TestMetrics Test { get; init; }

    /// <summary>
    /// Test metrics of the Bayes-optimal predictor on the same split (the data's irreducible error), for generated data
    /// with a known noise model (swiss roll); null otherwise. See <see cref="BayesBaseline"/>.
    /// </summary>
    public TestMetrics? Bayes { get; init; }

    /// <summary>Validation metrics of the final model.</summary>
    public required TestMetrics Validation { get; init; }

    /// <summary>Epochs completed.</summary>
    public int Epochs { get; init; }

    /// <summary>Epoch of the parameters kept.</summary>
    public int BestEpoch { get; init; }

    /// <summary>Training wall time (seconds).</summary>
    public double Seconds { get; init; }

    /// <summary>Regression outputs, or number of classes.</summary>
    public int Outputs { get; init; }

    /// <summary>Grid points G of the final (possibly adapted) grid.</summary>
    public long GridPoints { get; init; }

    /// <summary>Grid points whose basis function is non-zero at one or more training embeddings.</summary>
    public long ActivatedPoints { get; init; }

    /// <summary>Grid adaptation steps (epoch, added and removed subspaces, points after); empty without --adapt.</summary>
    public IReadOnlyList<GridRefinement> Refinements { get; init; } = [];

    /// <summary>Loss bursts counted.</summary>
    public int Bursts { get; init; }

    /// <summary>Why training ended (completed, early-stopped, diverged, ...).</summary>
    public TrainingStatus Status { get; init; }

    /// <summary>Set if the run diverged: what happened.</summary>
    public string? Divergence { get; init; }

    /// <summary>Per-epoch history.</summary>
    public IReadOnlyList<EpochReport> History { get; init; } = [];

    /// <summary>
    /// The same test split scored by the trivial predictor fitted on the training split: the training mean
    /// (regression) or the majority class (classification). A model should beat it.
    /// </summary>
    public TestMetrics? TrivialBaseline { get; init; }

    /// <summary>Classification: the user's class labels, indexed by class (empty for regression).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>The model as trained (inputs, outputs and task filled in from the data; an adapted grid's subspaces in <see cref="GridConfig.Subspaces"/>).</summary>
    public NsgModelConfig? Model { get; init; }

    /// <summary>What was decided or noticed on the way (task detection, rows left out, ignored options), as printed.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Whether the model scored better than <see cref="TrivialBaseline"/> (true when there is none).</summary>
    public bool BeatsTrivialBaseline => TrivialBaseline is not { } b
        || (Test.Accuracy is double a ? a > b.Accuracy : Test.Mse < b.Mse);

    /// <summary>The density head's metrics when the run fitted one (`--head density`); null otherwise.</summary>
    public DensityHeadResult? DensityHead { get; init; }
}

/// <summary>What fitting a density head produced: its metrics next to the softmax head's of the same encoder.</summary>
/// <param name="Test">Test metrics of the density head.</param>
/// <param name="Validation">Validation metrics of the density head.</param>
/// <param name="Threshold">Out-of-distribution threshold on the mixture density.</param>
/// <param name="Quantile">Validation quantile the threshold was chosen at.</param>
/// <param name="Lambdas">Chosen relative lambda per class.</param>
/// <param name="FitSeconds">Seconds to fit the class densities.</param>
public sealed record DensityHeadResult(TestMetrics Test, TestMetrics Validation, double Threshold, double Quantile, double[] Lambdas, double FitSeconds)
{
    /// <summary>Fits <paramref name="options"/>' head on the frozen <paramref name="model"/>, saves it into <paramref name="outDir"/> (if given) and evaluates it.</summary>
    public static DensityHeadResult FitAndEvaluate(Models.NeuralSparseGrid model, PreparedData data, DensityHeadOptions options, string? outDir)
    {
        var head = Experiments.DensityHead.Fit(model, data, options);
        if (outDir != null) head.Save(Path.Combine(outDir, Experiments.DensityHead.FileName));
        return new DensityHeadResult(head.Evaluate(model, data.Test), head.Evaluate(model, data.Validation), head.Threshold, head.Quantile,
            head.Classifier.Densities.Lambdas, head.FitSeconds);
    }
}

/// <summary>Metrics of one split as reported in JSON.</summary>
public sealed record TestMetrics
{
    /// <summary>MSE on the normalised target.</summary>
    public double? Mse { get; init; }

    /// <summary>MAE on the normalised target.</summary>
    public double? Mae { get; init; }

    /// <summary>MSE in the target's units.</summary>
    public double? MseRaw { get; init; }

    /// <summary>MAE in the target's units.</summary>
    public double? MaeRaw { get; init; }

    /// <summary>Standard deviation of the normalised residuals.</summary>
    public double? ResidualStd { get; init; }

    /// <summary>Accuracy (classification).</summary>
    public double? Accuracy { get; init; }

    /// <summary>Rows.</summary>
    public int Count { get; init; }

    /// <summary>Regression metrics from the same predictions measured on the normalised target and in raw units.</summary>
    public static TestMetrics Regression(Metrics normalised, Metrics raw) => new()
    {
        Mse = normalised.Mse, Mae = normalised.Mae, ResidualStd = normalised.ResidualStd,
        MseRaw = raw.Mse, MaeRaw = raw.Mae, Count = normalised.Count,
    };
}
