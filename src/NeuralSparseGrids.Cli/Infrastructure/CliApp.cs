using NeuralSparseGrids.Native;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Dispatches `nsg COMMAND ...` to a command and turns exceptions into clear messages and exit codes.</summary>
public static class CliApp
{
    /// <summary>Exit code for a bad command line.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for bad input data or a failed run.</summary>
    public const int Failure = 1;

    /// <summary>Runs the CLI with <paramref name="args"/>, writing to the given writers.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var commands = CommandTable.All();
        var context = new CliContext(output, error);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            output.WriteLine("nsg — Neural Sparse Grids\n\nUsage: nsg COMMAND [options]   (nsg COMMAND --help for its options)\n\nCommands:");
            foreach (var c in commands) output.WriteLine($"  {c.Name,-17} {c.Summary}");
            return args.Length == 0 ? UsageError : 0;
        }
        if (args[0] is "--version")
        {
            output.WriteLine(typeof(CliApp).Assembly.GetName().Version);
            return 0;
        }
        var command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"nsg: unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Select(c => c.Name))}.");
            return UsageError;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            output.WriteLine(command.Usage);
            return 0;
        }
        try
        {
            var parsed = new CliArguments(args.Skip(1));
            if (parsed.Flag("json")) { context.Json = true; context.Interactive = false; }
            return command.Run(parsed, context);
        }
        catch (CliUsageException e)
        {
            error.WriteLine($"nsg {command.Name}: {e.Message}");
            return UsageError;
        }
        catch (TorchLoadException e)
        {
            error.WriteLine($"nsg {command.Name}: {e.Message}");
            return Failure;
        }
        catch (Exception e) when (e is Grids.GridTooLargeException or Data.DataFormatException or Layers.DenseBasisTooLargeException or IOException or InvalidDataException or FormatException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            error.WriteLine($"nsg {command.Name}: {e.Message}");
            // NSG_DEBUG=1 shows where it came from (for bug reports); users see the message alone.
            if (Environment.GetEnvironmentVariable("NSG_DEBUG") == "1") error.WriteLine(e);
            return Failure;
        }
    }
}
