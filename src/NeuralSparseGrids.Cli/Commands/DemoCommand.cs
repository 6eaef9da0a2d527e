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
    public string Usage => "nsg demo [--epochs 200] [--swissroll-t unit|radians] [--seed 1] [--out DIR] [--force] [--no-plots] [--json]\n\n" +
                           "Same as: nsg train --data swissroll --swissroll-t unit --encoder 3,25,25 --latent 2 --level 6 --rescale sigmoid --method gradient --optimizer adam --lr 0.01\n" +
                           "--swissroll-t unit (default) is the reading that matches the thesis' figures; radians takes the printed formula literally (a harder target).";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        // The unit-t reading reproduces the thesis' numbers: the result a newcomer can compare and read as success.
        args.SetDefault("swissroll-t", "unit");
        var spec = ExperimentOptions.Parse(args, defaultData: DataSources.SwissRoll);
        string? outDir = args.String("out");
        if (!args.Flag("force")) TrainCommand.RefuseExistingRun(outDir, resume: false);
        bool plots = !args.Flag("no-plots");
        args.EnsureAllConsumed();
        return TrainCommand.Execute(spec, outDir, resume: false, context, "Swiss roll demo", plots);
    }
}
