namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>One `nsg` subcommand. Implementations live in Commands/, one file each, and are listed in <see cref="CommandTable"/>.</summary>
public interface ICliCommand
{
    /// <summary>The word after `nsg`.</summary>
    string Name { get; }

    /// <summary>One line for `nsg --help`.</summary>
    string Summary { get; }

    /// <summary>Usage text for `nsg NAME --help`.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code. Read every option before doing work, then call
    /// <see cref="CliArguments.EnsureAllConsumed"/> so unknown options are rejected.</summary>
    int Run(CliArguments args, CliContext context);
}
