using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg plot`: draws the standard plots of a finished run directory.</summary>
public sealed class PlotCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "plot";

    /// <inheritdoc />
    public string Summary => "Draw the plots (loss curves, predictions, embeddings, heatmap) of a run written by `nsg train --out DIR`.";

    /// <inheritdoc />
    public string Usage => "nsg plot --run DIR [--to DIR] [--json]\n\n" +
                           "  --run DIR    run directory written by `nsg train --out DIR`\n" +
                           "  --to DIR     where to write the PNG files (default: the run directory)\n" +
                           "  --json       last stdout line: {\"files\": [...], \"skipped\": [...]}";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string run = args.Required("run");
        string? to = args.String("to");
        args.EnsureAllConsumed();
        if (!Directory.Exists(run)) throw new CliUsageException($"--run: directory '{run}' does not exist.");
        if (!File.Exists(Path.Combine(run, Training.Checkpoint.StateFile)))
            throw new CliUsageException($"--run: '{run}' holds no trained model ({Training.Checkpoint.StateFile} missing); train with `nsg train --out {run}` first.");
        var result = RunPlots.Write(run, to);
        if (context.Json) context.WriteJson(new { files = result.Files, skipped = result.Skipped });
        else
        {
            foreach (var f in result.Files) context.Out.WriteLine(f);
            foreach (var s in result.Skipped) context.Out.WriteLine($"skipped {s}");
        }
        return 0;
    }
}
