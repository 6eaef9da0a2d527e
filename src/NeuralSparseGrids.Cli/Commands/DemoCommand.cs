using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Cli.Infrastructure;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg demo`: the README's main job — the thesis' swiss roll model, end to end.</summary>
public sealed class DemoCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "demo";

    /// <inheritdoc />
    public string Summary => "Train the thesis' swiss roll model (MLP 3-25-25-2, sigmoid, level 6, Adam) and print test MSE.";

    /// <inheritdoc />
    public string Usage => "nsg demo [--epochs 200] [--swissroll-t radians|unit] [--seed 1] [--out DIR] [--no-plots] [--json]\n\n" +
                           "Same as: nsg train --data swissroll --encoder 3,25,25 --latent 2 --level 6 --rescale sigmoid --method gradient --optimizer adam --lr 0.01";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        var spec = ExperimentOptions.Parse(args, defaultData: DataSources.SwissRoll);
        string? outDir = args.String("out");
        bool plots = !args.Flag("no-plots");
        args.EnsureAllConsumed();
        return TrainCommand.Execute(spec, outDir, resume: false, context, "Swiss roll demo", plots);
    }
}
