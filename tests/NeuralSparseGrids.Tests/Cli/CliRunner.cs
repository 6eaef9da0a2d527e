using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;

namespace NeuralSparseGrids.Tests.Cli;

/// <summary>Runs `nsg` in-process and captures its output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The JSON object on the last stdout line.</summary>
    public static JsonElement LastJson(string stdout)
    {
        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        return JsonDocument.Parse(last).RootElement;
    }
}
