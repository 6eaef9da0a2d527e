using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;

namespace NeuralSparseGrids.Tests.Cli;

[Collection("Torch")]
public class BenchCommandTests
{
    private static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void BenchLayerJsonHasTheRequiredFields()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--outputs", "2", "--repeats", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        foreach (var key in new[] { "fusedMs", "tensorOpsMs", "denseMs", "tensorOpsOverFused", "denseOverFused", "peakBytes" })
            Assert.True(json.TryGetProperty(key, out _), key);
        Assert.True(json.GetProperty("fusedMs").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("denseMs").ValueKind);
        Assert.Equal(17, json.GetProperty("points").GetInt64());
    }

    [Fact]
    public void BenchLayerTakesAnisotropicLevels()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--levels", "4,2", "--batch", "16", "--repeats", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(29, json.GetProperty("points").GetInt64());
        Assert.Equal(4, json.GetProperty("level").GetInt32());
        Assert.Equal(2, json.GetProperty("levels").GetArrayLength());
    }

    [Fact]
    public void DenseRefusalGivesNullsAndTheEstimate()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--repeats", "1", "--dense-max-bytes", "100", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("denseMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("denseOverFused").ValueKind);
        Assert.Contains("N = 16", json.GetProperty("denseRefusal").GetString());
    }

    [Fact]
    public void RejectsUnknownOptionsAndMissingTarget()
    {
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--dim", "2", "--level", "3", "--bogus", "1").code);
        Assert.Equal(CliApp.UsageError, Run("bench", "--dim", "2", "--level", "3").code);
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--level", "3").code);
    }
}
