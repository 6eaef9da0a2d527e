using NeuralSparseGrids.Cli.Commands;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Every `nsg` subcommand, in the order `nsg --help` lists them.</summary>
public static class CommandTable
{
    /// <summary>Creates the command list.</summary>
    public static IReadOnlyList<ICliCommand> All() =>
    [
        new DemoCommand(),
        new TrainCommand(),
        new EvaluateCommand(),
        new FitDensityCommand(),
        new PredictCommand(),
        new ExportCommand(),
        new ReproduceCommand(),
        new PlotCommand(),
        new CompareCommand(),
        new CompareBoundaryCommand(),
        new BenchmarkCommand(),
        new DataCommand(),
        new DoctorCommand(),
        new GridCommand(),
        new BenchCommand(),
        new SweepCommand(),
        new TuneCommand(),
    ];
}
