using NeuralSparseGrids.Cli.Infrastructure;

namespace NeuralSparseGrids.Tests.Cli;

/// <summary>Runs `nsg` in-process and captures its output.</summary>
internal static class CliRun
{
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The JSON object on the last stdout line.</summary>
    public static System.Text.Json.JsonElement LastJson(string stdout) =>
        System.Text.Json.JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
}
