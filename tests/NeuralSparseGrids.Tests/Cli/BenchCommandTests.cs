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
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--outputs", "2", "--repeats", "1", "--warmup", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        foreach (var key in new[] { "fusedMs", "tensorOpsMs", "denseMs", "tensorOpsOverFused", "denseOverFused", "peakBytes" })
            Assert.True(json.TryGetProperty(key, out _), key);
        Assert.True(json.GetProperty("fusedMs").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("denseMs").ValueKind);
        Assert.Equal(17, json.GetProperty("points").GetInt64());
    }

    // The default warm-up runs until the runtime's compiler is quiet and says so in the JSON; --warmup W runs W steps.
    [Fact]
    public void BenchLayerWarmsUpUntilTheCompilerIsQuietOrAFixedCount()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--repeats", "1", "--dense-max-bytes", "0", "--json");
        Assert.True(code == 0, stderr);
        var warmup = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("fusedWarmup");
        Assert.True(warmup.GetProperty("settled").GetBoolean());
        Assert.True(warmup.GetProperty("calls").GetInt32() >= 40);
        (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--repeats", "1", "--warmup", "2", "--dense-max-bytes", "0", "--json");
        Assert.True(code == 0, stderr);
        warmup = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("fusedWarmup");
        Assert.Equal(2, warmup.GetProperty("calls").GetInt32());
        Assert.Equal(JsonValueKind.Null, warmup.GetProperty("settled").ValueKind);
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--dim", "2", "--level", "3", "--warmup", "-1").code);
    }

    [Fact]
    public void BenchLayerTakesAnisotropicLevels()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--levels", "4,2", "--batch", "16", "--repeats", "1", "--warmup", "1", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(29, json.GetProperty("points").GetInt64());
        Assert.Equal(4, json.GetProperty("level").GetInt32());
        Assert.Equal(2, json.GetProperty("levels").GetArrayLength());
    }

    [Fact]
    public void DenseRefusalGivesNullsAndTheEstimate()
    {
        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--repeats", "1", "--warmup", "1", "--dense-max-bytes", "100", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("denseMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("denseOverFused").ValueKind);
        Assert.Contains("N = 16", json.GetProperty("denseRefusal").GetString());
    }

    // The traded set: as many subspaces as the regular grid, downward closed, not regular, and each trade swaps a top
    // subspace (2^(n-1) points for linear grids) for one a level deeper (2^n points).
    [Theory]
    [InlineData(2, 6, null, 1)]
    [InlineData(4, 5, 1, 1)]
    [InlineData(4, 5, null, 15)]
    public void VersusTradedKeepsTheSubspaceCountAndAddsTheFewestPoints(int dim, int level, int? maxTrades, int trades)
    {
        var regular = NeuralSparseGrids.Grids.SparseGrid.Create(dim, level);
        var traded = NeuralSparseGrids.Cli.Commands.GeneralizedGridBench.Traded(regular, 1, maxTrades);
        Assert.Equal(regular.SubspaceCount, traded.SubspaceCount);
        Assert.True(traded.IsDownwardClosed);
        Assert.Equal(regular.PointCount + trades * (1L << (level - 1)), traded.PointCount);
        Assert.Equal(regular.MaxLevel1D + 1, traded.MaxLevel1D);

        var (code, stdout, stderr) = Run("bench", "layer", "--dim", "2", "--level", "3", "--batch", "16", "--repeats", "1", "--warmup", "1", "--versus", "traded", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(6, json.GetProperty("generalized").GetProperty("subspaces").GetInt32());
        Assert.True(json.GetProperty("generalizedOverRegular").GetDouble() > 0);
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--dim", "1", "--level", "3", "--versus", "traded").code);
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--dim", "2", "--level", "3", "--versus", "traded:0").code);
    }

    [Fact]
    public void RejectsUnknownOptionsAndMissingTarget()
    {
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--dim", "2", "--level", "3", "--bogus", "1").code);
        Assert.Equal(CliApp.UsageError, Run("bench", "--dim", "2", "--level", "3").code);
        Assert.Equal(CliApp.UsageError, Run("bench", "layer", "--level", "3").code);
    }
}
