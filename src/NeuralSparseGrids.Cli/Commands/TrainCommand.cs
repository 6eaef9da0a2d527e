using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg train`: trains a Neural Sparse Grid on a built-in or user data set.</summary>
public sealed class TrainCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "train";

    /// <inheritdoc />
    public string Summary => "Train a Neural Sparse Grid (regression or classification) and report test metrics.";

    /// <inheritdoc />
    public string Usage => "nsg train --data SOURCE [options] [--out DIR] [--resume] [--json]\n\n" + ExperimentOptions.Usage +
                           "\n  --out DIR                    write checkpoints, result.json and history.csv there\n  --resume                     continue the run in --out\n  --json                       last stdout line: one JSON object with the results";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        var spec = ExperimentOptions.Parse(args);
        string? outDir = args.String("out");
        bool resume = args.Flag("resume");
        args.EnsureAllConsumed();
        if (resume && outDir == null) throw new CliUsageException("--resume needs --out DIR (the run to continue).");
        return Execute(spec, outDir, resume, context, "Training");
    }

    /// <summary>Runs an experiment with progress, result files and the summary/JSON output.</summary>
    public static int Execute(ExperimentSpec spec, string? outDir, bool resume, CliContext context, string title)
    {
        var result = TrainingProgress.Run(context, title, spec.Training.Epochs, callbacks => ExperimentRunner.Run(spec, callbacks, outDir, resume));
        if (outDir != null) RunFiles.Write(outDir, spec, result);
        if (context.Json)
        {
            context.WriteJson(new
            {
                test = result.Test,
                validation = result.Validation,
                epochs = result.Epochs,
                bestEpoch = result.BestEpoch,
                seconds = result.Seconds,
                gridPoints = result.GridPoints,
                activatedPoints = result.ActivatedPoints,
                bursts = result.Bursts,
                divergence = result.Divergence,
            });
        }
        else
        {
            var t = result.Test;
            context.Out.WriteLine(t.Accuracy is double acc
                ? $"Test accuracy {acc:F4} ({t.Count} samples)"
                : $"Test MSE {t.Mse:G4} (normalised target), MAE {t.Mae:G4}; raw units: MSE {t.MseRaw:G4}, MAE {t.MaeRaw:G4} ({t.Count} samples)");
            context.Out.WriteLine($"{result.Epochs} epochs (kept epoch {result.BestEpoch}) in {result.Seconds:F1} s; grid points {result.GridPoints}, activated {result.ActivatedPoints}; loss bursts {result.Bursts}");
            if (outDir != null) context.Out.WriteLine($"Model and results in {outDir}");
        }
        if (result.Divergence != null)
        {
            context.Error.WriteLine($"Training diverged: {result.Divergence}. The model holds the last good parameters.");
            return CliApp.Failure;
        }
        return 0;
    }
}
