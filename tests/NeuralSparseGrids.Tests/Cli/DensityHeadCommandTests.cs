using System.Text.Json;

namespace NeuralSparseGrids.Tests.Cli;

/// <summary>The density head through the CLI: train --head density, predict's columns, evaluate --ood-shift, errors.</summary>
[Collection("Torch")]
public sealed class DensityHeadCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-density").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DensityHeadOnRegressionIsAClearError()
    {
        var (code, _, stderr) = CliRunner.Run("train", "--data", "swissroll", "--count", "100", "--epochs", "1", "--level", "2", "--head", "density", "--json");
        Assert.NotEqual(0, code);
        Assert.Contains("needs a classification task", stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Fact]
    public void TrainWithDensityHeadThenPredictAndEvaluateOod()
    {
        string run = Path.Combine(_dir, "moons");
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", "twomoons", "--count", "600", "--epochs", "3", "--level", "3", "--encoder", "3,8",
            "--head", "density", "--density-lambda", "0.01", "--out", run, "--json");
        Assert.True(code == 0, stderr);
        var head = CliRunner.LastJson(stdout).GetProperty("densityHead");
        Assert.InRange(head.GetProperty("test").GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.Equal(0.01, head.GetProperty("quantile").GetDouble());
        Assert.True(head.GetProperty("threshold").GetDouble() >= 0);
        Assert.True(File.Exists(Path.Combine(run, "density-head.json")));
        Assert.True(File.Exists(Path.Combine(run, "density-head.png")));

        string input = Path.Combine(_dir, "in.csv"), output = Path.Combine(_dir, "out.csv");
        File.WriteAllText(input, "x1,x2,x3\n0.5,0.2,0.1\n100,-50,70\n");
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", input, "--output", output, "--json");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.EndsWith("density_label,density,out_of_distribution,outside_trained_region", lines[0]);
        var far = lines[2].Split(',');
        Assert.True(double.Parse(far[^3], System.Globalization.CultureInfo.InvariantCulture) >= 0);

        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", "twomoons", "--count", "600", "--rows", "test", "--ood-shift", "noise,invert", "--json");
        Assert.True(code == 0, stderr);
        var json = CliRunner.LastJson(stdout);
        Assert.InRange(json.GetProperty("density").GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.Equal(90, json.GetProperty("test").GetProperty("count").GetInt32()); // the 15 % test part of 600 rows
        foreach (var shift in new[] { "noise", "invert" })
            foreach (var score in new[] { "density", "densityMaxClass", "softmax", "coverage" })
                Assert.InRange(json.GetProperty("ood").GetProperty(shift).GetProperty(score).GetDouble(), 0, 1);

        (code, _, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", "twomoons", "--count", "100", "--ood-shift", "rotate90", "--json");
        Assert.NotEqual(0, code);
        Assert.Contains("rotate90 needs square images", stderr);
    }
}
