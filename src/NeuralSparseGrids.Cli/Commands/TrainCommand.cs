using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Plotting;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg train`: trains a Neural Sparse Grid on a built-in or user data set.</summary>
public sealed class TrainCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public string Summary => "Train a Neural Sparse Grid (regression or classification) and report test metrics.";

    /// <inheritdoc />
    public string Usage => "nsg train --data SOURCE [options] [--out DIR] [--resume|--force] [--json]\n\n" + ExperimentOptions.Usage + "\n" + ExperimentOptions.DensityUsage +
                           "\n  --latent-stats N             every N epochs (and after epoch 1): bounding box, diameter and fraction of grid cells visited\n" +
                           "                               by the training embeddings (thesis 3.5.2); printed, in the JSON as 'latent', and in latent-stats.csv" +
                           "\n  --out DIR                    write checkpoints, result.json, history.csv and the plots (PNG) there\n  --no-plots                   skip the plots (and the plot data they need)\n  --resume                     continue the run in --out\n  --force                      train into an --out that already holds a run, replacing it\n  --json                       last stdout line: one JSON object with the results";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        var spec = FileDataOptions.Parse(args, out string? defaults);
        string? outDir = args.String("out");
        bool resume = args.Flag("resume");
        bool force = args.Flag("force");
        bool plots = !args.Flag("no-plots");
        int latentEvery = args.String("latent-stats") is null ? 0 : args.Int("latent-stats", 0, 1, 1_000_000);
        args.EnsureAllConsumed();
        if (resume && outDir == null) throw new CliUsageException("--resume needs --out DIR (the run to continue).");
        if (resume && force) throw new CliUsageException("--resume continues the run in --out and --force replaces it; give one of them.");
        if (!force) RefuseExistingRun(outDir, resume);
        if (defaults != null) (context.Json ? context.Error : context.Out).WriteLine(defaults);
        return Execute(spec, outDir, resume, context, "Training", plots, latentEvery);
    }

    /// <summary>
    /// Stops a new run from silently overwriting a finished or interrupted one in <paramref name="outDir"/> (without
    /// <paramref name="resume"/> or --force).
    /// </summary>
    public static void RefuseExistingRun(string? outDir, bool resume)
    {
        if (resume || outDir == null) return;
        if (File.Exists(Path.Combine(outDir, Training.Checkpoint.StateFile)) || File.Exists(Path.Combine(outDir, "result.json")))
            throw new CliUsageException($"{outDir} already holds a run; use --resume to continue it, --force to replace it, or another --out.");
    }

    /// <summary>
    /// Runs an experiment with progress, result files, the plots (with <paramref name="outDir"/> and
    /// <paramref name="plots"/>) and the summary/JSON output.
    /// </summary>
    /// <param name="latentEvery">Latent statistics every this many epochs (0: none).</param>
    public static int Execute(ExperimentSpec spec, string? outDir, bool resume, CliContext context, string title, bool plots = true, int latentEvery = 0)
    {
        plots &= outDir != null;
        var latent = latentEvery > 0 ? new LatentStatisticsCallback(latentEvery) : null;
        // Notes (task detection, encoding, model summary) come before training; with --json stdout's last line stays the JSON.
        var notes = context.Json ? context.Error : context.Out;
        var result = TrainingProgress.Run(context, title, spec.Training.Epochs, callbacks =>
            ExperimentRunner.Run(spec, latent is null ? callbacks : [.. callbacks, latent], outDir, resume, savePlotData: plots, report: notes.WriteLine));
        if (outDir != null) RunFiles.Write(outDir, spec, result);
        if (outDir != null && latent != null) RunFiles.WriteLatentStatistics(outDir, latent.History);
        var plotFiles = plots && result.Divergence == null ? RunPlots.Write(outDir!).Files : [];
        if (plots && result.DensityHead != null && spec.Model.Latent == 2 && result.Outputs == 2)
        {
            string densityPlot = Path.Combine(outDir!, DensityPlot.FileName);
            DensityPlot.Write(densityPlot, DensityHead.Load(Path.Combine(outDir!, DensityHead.FileName)), Extent2D.Unit);
            plotFiles = [.. plotFiles, densityPlot];
        }
        var refinementCost = RefinementCost.Of(result.Refinements, result.History);
        if (context.Json)
        {
            context.WriteJson(new
            {
                test = result.Test,
                bayes = result.Bayes,
                trivialBaseline = result.TrivialBaseline,
                beatsTrivialBaseline = result.BeatsTrivialBaseline,
                classes = result.ClassNames,
                validation = result.Validation,
                epochs = result.Epochs,
                bestEpoch = result.BestEpoch,
                seconds = result.Seconds,
                gridPoints = result.GridPoints,
                activatedPoints = result.ActivatedPoints,
                refinements = result.Refinements.Select(r => new { epoch = r.Epoch, added = r.Added, removed = r.Removed, pointsAfter = r.PointsAfter, seconds = r.Seconds, phases = r.Phases }),
                refinementCost = refinementCost is { } cost
                    ? new
                    {
                        steps = cost.Steps, medianStepSeconds = cost.MedianStepSeconds, medianEpochSeconds = cost.MedianEpochSeconds, stepToEpoch = cost.StepToEpoch,
                        fastestStepSeconds = cost.FastestStepSeconds, slowestStepSeconds = cost.SlowestStepSeconds, totalStepSeconds = cost.TotalStepSeconds,
                        totalEpochSeconds = cost.TotalEpochSeconds, shareOfTraining = cost.ShareOfTraining, medianPhaseSeconds = cost.MedianPhaseSeconds,
                    }
                    : null,
                bursts = result.Bursts,
                divergence = result.Divergence,
                plots = plotFiles,
                latent = latent?.History,
                densityHead = result.DensityHead,
            });
        }
        else
        {
            var t = result.Test;
            context.Out.WriteLine(t.Accuracy is double acc
                ? $"Test accuracy {acc:F4} ({t.Count} samples)"
                : $"Test MSE {t.Mse:G4} (normalised target), MAE {t.Mae:G4}; raw units: MSE {t.MseRaw:G4}, MAE {t.MaeRaw:G4} ({t.Count} samples)");
            if (result.TrivialBaseline is { } trivial)
                context.Out.WriteLine((result.BeatsTrivialBaseline ? "Reference: " : "Warning: the model is not better than the ") + TrivialBaseline.Compare(t, trivial));
            if (result.Bayes is { Mse: double bayes })
                context.Out.WriteLine($"Bayes floor {bayes:G4} (normalised MSE of the best possible predictor, which knows the generating function: only the noise is left); the model's test MSE is {t.Mse / bayes:F2}x that (1.00 would be perfect)");
            if (result.DensityHead is { Test.Accuracy: double densityAccuracy } dh)
                context.Out.WriteLine($"Density head (class densities on the frozen embeddings, fitted in {dh.FitSeconds:F2} s): test accuracy {densityAccuracy:F4}; " +
                                      $"out-of-distribution threshold {dh.Threshold:G3} (validation {100 * dh.Quantile:G3} % quantile)");
            context.Out.WriteLine($"{result.Epochs} epoch{(result.Epochs == 1 ? "" : "s")} (kept epoch {result.BestEpoch}) in {result.Seconds:F1} s; grid points {result.GridPoints}, activated {result.ActivatedPoints}; loss bursts {result.Bursts}");
            if (result.Refinements.Count > 0)
                context.Out.WriteLine($"Grid adapted {result.Refinements.Count} time{(result.Refinements.Count == 1 ? "" : "s")}: {result.Refinements.Sum(r => r.Added.Length)} subspaces added, " +
                                      $"{result.Refinements.Sum(r => r.Removed.Length)} removed; {result.Refinements[^1].PointsAfter} points after epoch {result.Refinements[^1].Epoch}");
            if (refinementCost is { } c)
                context.Out.WriteLine($"Refinement step: median {1000 * c.MedianStepSeconds:F2} ms = {c.StepToEpoch:F3} of the median epoch ({1000 * c.MedianEpochSeconds:F1} ms); " +
                                      $"steps {1000 * c.FastestStepSeconds:F2}-{1000 * c.SlowestStepSeconds:F2} ms, all {c.Steps} together {100 * c.ShareOfTraining:F2} % of the training time; median per phase: " +
                                      string.Join(", ", c.MedianPhaseSeconds.Select(p => $"{p.Key} {1000 * p.Value:F2} ms")));
            if (latent is { History.Count: > 0 })
            {
                var (first, last) = (latent.History[0], latent.History[^1]);
                context.Out.WriteLine($"Training embeddings: diameter {first.Diameter:G3} after epoch {first.Epoch}, {last.Diameter:G3} after epoch {last.Epoch} " +
                                      $"(box diagonal {Math.Sqrt(last.Min.Length):G3}); grid cells visited {100 * last.VisitedFraction:G3} %");
            }
            if (outDir != null) context.Out.WriteLine($"Model and results in {outDir}{(plotFiles.Count > 0 ? $" ({plotFiles.Count} plots)" : "")}");
        }
        if (!result.BeatsTrivialBaseline && context.Json)
            context.Error.WriteLine("Warning: the model is not better than the " + TrivialBaseline.Compare(result.Test, result.TrivialBaseline!));
        if (result.Divergence != null)
        {
            context.Error.WriteLine($"Training diverged: {result.Divergence}. The model holds the last good parameters.");
            return CliApp.Failure;
        }
        return 0;
    }
}
