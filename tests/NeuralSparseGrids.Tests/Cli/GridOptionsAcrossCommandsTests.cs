using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.Cli;

/// <summary>
/// The grid options a user meets in several commands: `--max-gib` on `nsg train` (the budget the grid-size error
/// points to) and `--grid` spelled the same in `train`, `grid` and `bench layer`.
/// </summary>
[Collection("Torch")]
public sealed class GridOptionsAcrossCommandsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string RegressionFile() => _dir.File("reg.csv", "x1,x2,x3,y\n" + string.Concat(Enumerable.Range(0, 60).Select(i =>
        $"{i % 7},{i % 5 * 0.5},{i % 11},{i % 7 - (i % 11) * 0.5}\n")));

    [Fact]
    public void TrainMaxGibRefusesAGridAboveTheBudgetAndTrainsAndRecordsOneWithin()
    {
        // d = 4, level 6: 2,561 points; 1e-5 GiB (10.7 KB) is below its coefficients alone (2,561 x 8 bytes).
        string data = RegressionFile(), run = Path.Combine(_dir.Path, "run");
        string[] model = ["--latent", "4", "--level", "6", "--encoder", "3,8", "--epochs", "1", "--no-plots"];
        var (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, .. model, "--max-gib", "0.00001"]);
        Assert.Equal(1, code);
        Assert.Contains("--max-gib", stderr);
        Assert.Contains("d = 4, n = 6 has 2,561 points", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(Path.Combine(run, "model.bin")));

        (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, .. model, "--max-gib", "0.01", "--json"]);
        Assert.True(code == 0, stderr);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json")));
        Assert.Equal((long)(0.01 * (1L << 30)), result.RootElement.GetProperty("spec").GetProperty("model").GetProperty("grid").GetProperty("maxBytes").GetInt64());
    }

    [Fact]
    public void EveryGridSpellingOfTrainWorksInGridAndBenchLayer()
    {
        foreach (var (name, type) in ExperimentOptions.GridTypes)
        {
            var (code, stdout, stderr) = CliRunner.Run("grid", "--dim", "2", "--level", "3", "--grid", name, "--json");
            Assert.True(code == 0, $"grid --grid {name}: {stderr}");
            (code, stdout, stderr) = CliRunner.Run("bench", "layer", "--dim", "2", "--level", "3", "--grid", name, "--batch", "8", "--repeats", "1", "--warmup", "1", "--json");
            Assert.True(code == 0, $"bench layer --grid {name}: {stderr}");
            Assert.Equal(type.ToString(), CliRunner.LastJson(stdout).GetProperty("type").GetString());
        }
    }

    [Fact]
    public void AMisspelledGridGetsTheSameMessageFromEveryCommand()
    {
        string expected = $"--grid must be one of {string.Join(", ", ExperimentOptions.GridTypes.Keys)}; got 'extended_boundary'.";
        string[][] commands =
        [
            ["grid", "--dim", "2", "--level", "3"],
            ["bench", "layer", "--dim", "2", "--level", "3"],
            ["train", "--data", RegressionFile(), "--epochs", "1", "--no-plots"],
        ];
        foreach (var command in commands)
        {
            var (code, _, stderr) = CliRunner.Run([.. command, "--grid", "extended_boundary"]);
            Assert.Equal(CliApp.UsageError, code);
            Assert.Contains(expected, stderr);
        }
    }
}
