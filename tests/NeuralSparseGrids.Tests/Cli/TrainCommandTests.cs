using System.Text.Json;

namespace NeuralSparseGrids.Tests.Cli;

[Collection("Torch")]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-cli").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Tiny = ["--count", "300", "--epochs", "2", "--level", "3", "--encoder", "3,8", "--json"];

    [Fact]
    public void TrainEvaluatePredictRoundTrip()
    {
        string run = Path.Combine(_dir, "run");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", "swissroll", "--out", run, .. Tiny]);
        Assert.True(code == 0, stderr);
        var json = CliRunner.LastJson(stdout);
        var test = json.GetProperty("test");
        foreach (var key in new[] { "mse", "mae", "mseRaw", "maeRaw" })
            Assert.True(test.GetProperty(key).GetDouble() > 0, key);
        // The swiss roll's irreducible error on the same split comes along; a 2-epoch model is far above it.
        double bayes = json.GetProperty("bayes").GetProperty("mse").GetDouble();
        Assert.InRange(bayes, 1e-5, test.GetProperty("mse").GetDouble());
        Assert.Equal(2, json.GetProperty("epochs").GetInt32());
        Assert.Equal(17, json.GetProperty("gridPoints").GetInt64());
        Assert.InRange(json.GetProperty("activatedPoints").GetInt64(), 1, 17);
        Assert.True(File.Exists(Path.Combine(run, "result.json")));
        Assert.True(File.Exists(Path.Combine(run, "history.csv")));

        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", "swissroll", "--count", "100", "--data-seed", "9", "--json");
        Assert.True(code == 0, stderr);
        Assert.True(CliRunner.LastJson(stdout).GetProperty("test").GetProperty("mseRaw").GetDouble() > 0);

        string input = Path.Combine(_dir, "in.csv"), output = Path.Combine(_dir, "out.csv");
        File.WriteAllText(input, "x1,x2,x3\n0.5,1.0,-3\n10,2,5\n-200,1,1\n");
        (code, stdout, stderr) = CliRunner.Run("predict", "--model", run, "--input", input, "--output", output, "--json");
        Assert.True(code == 0, stderr);
        var lines = File.ReadAllLines(output);
        Assert.Equal(4, lines.Length);
        Assert.EndsWith("outside_trained_region", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.True(l.EndsWith(",0") || l.EndsWith(",1")));
    }

    [Fact]
    public void OneEpochIsReportedInTheSingular()
    {
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", "swissroll", "--out", Path.Combine(_dir, "one"), "--no-plots",
            "--count", "300", "--epochs", "1", "--level", "3", "--encoder", "3,8"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("1 epoch (kept epoch", stdout);
        Assert.DoesNotContain("1 epochs", stdout);
    }

    [Fact]
    public void AnAnisotropicModelTrainsSavesAndReloads()
    {
        string run = Path.Combine(_dir, "aniso");
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", "twomoons", "--out", run, "--count", "300", "--epochs", "2",
            "--levels", "4,2", "--encoder", "3,8", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(29, CliRunner.LastJson(stdout).GetProperty("gridPoints").GetInt64());
        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", "twomoons", "--count", "100", "--data-seed", "9", "--json");
        Assert.True(code == 0, stderr);
        Assert.InRange(CliRunner.LastJson(stdout).GetProperty("test").GetProperty("accuracy").GetDouble(), 0, 1);
        using (var reloaded = NeuralSparseGrids.Experiments.TrainedModel.Load(run))
        {
            Assert.Equal([4, 2], reloaded.Model.Config.Grid.Levels!);
            Assert.Equal(29, reloaded.Model.Layer.Grid.PointCount);
        }
        string input = Path.Combine(_dir, "moons.csv"), output = Path.Combine(_dir, "moons-out.csv");
        File.WriteAllText(input, "x1,x2,z\n0.5,0.2,0\n-0.5,0.8,0.1\n");
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Equal(3, File.ReadAllLines(output).Length);
    }

    [Theory]
    [InlineData("subspaces")]
    [InlineData("points")]
    public void AnAdaptiveRunReportsItsRefinementsAndReloadsTheAdaptedGrid(string mode)
    {
        string run = Path.Combine(_dir, "adaptive-" + mode);
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", "twomoons", "--out", run, "--count", "300", "--epochs", "4", "--level", "2",
            "--encoder", "3,8", "--adapt", mode, "--refine-every", "1", "--refine-count", "1", "--max-points", "20", "--spread", "0.1", "--json");
        Assert.True(code == 0, stderr);
        var json = CliRunner.LastJson(stdout);
        var refinements = json.GetProperty("refinements").EnumerateArray().ToList();
        Assert.Equal(3, refinements.Count); // after epochs 1-3; none after the last epoch
        Assert.Equal([1, 2, 3], refinements.Select(r => r.GetProperty("epoch").GetInt32()));
        long points = json.GetProperty("gridPoints").GetInt64();
        Assert.Equal(refinements[^1].GetProperty("pointsAfter").GetInt64(), points);
        Assert.InRange(points, 6, 20);
        Assert.InRange(json.GetProperty("activatedPoints").GetInt64(), 1, points);
        using var reloaded = NeuralSparseGrids.Experiments.TrainedModel.Load(run);
        Assert.Equal(points, reloaded.Model.Grid.PointCount);
        Assert.NotNull(reloaded.Model.Config.Grid.Subspaces);
        if (mode == "points")
        {
            Assert.True(reloaded.Model.Grid.HasPartialSubspaces);
            Assert.NotNull(reloaded.Model.Config.Grid.SubspacePoints);
            Assert.All(refinements, r => Assert.All(r.GetProperty("added").EnumerateArray(), p => Assert.Equal(4, p.GetArrayLength())));
        }
        // evaluate rebuilds the adapted grid from the saved model.
        (code, _, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", "twomoons", "--count", "100");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void LatentStatisticsPerEpochGoToJsonAndCsv()
    {
        string run = Path.Combine(_dir, "latent");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", "swissroll", "--out", run, "--no-plots", "--latent-stats", "1", .. Tiny]);
        Assert.True(code == 0, stderr);
        var latent = CliRunner.LastJson(stdout).GetProperty("latent");
        Assert.Equal(2, latent.GetArrayLength());
        foreach (var epoch in latent.EnumerateArray())
        {
            double diameter = epoch.GetProperty("diameter").GetDouble();
            // The embeddings live in [0,1]^2: the diameter is positive and at most the box diagonal and the bounding box's.
            Assert.InRange(diameter, 1e-9, epoch.GetProperty("boundingBoxDiagonal").GetDouble() + 1e-12);
            Assert.True(epoch.GetProperty("boundingBoxDiagonal").GetDouble() <= Math.Sqrt(2) + 1e-12);
            Assert.InRange(epoch.GetProperty("visitedFraction").GetDouble(), 1e-9, 1);
        }
        var lines = File.ReadAllLines(Path.Combine(run, "latent-stats.csv"));
        Assert.Equal("epoch,diameter,bounding_box_diagonal,visited_fraction,min1,max1,min2,max2", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2,", lines[2]);
    }

    [Fact]
    public void EqualParameterDenseHeadTrainsPlotsAndPredicts()
    {
        string run = Path.Combine(_dir, "dense");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", "twomoons", "--head", "dense", "--out", run, .. Tiny]);
        Assert.True(code == 0, stderr);
        Assert.InRange(CliRunner.LastJson(stdout).GetProperty("test").GetProperty("accuracy").GetDouble(), 0, 1);
        Assert.True(File.Exists(Path.Combine(run, "heatmap.png")));
        string input = Path.Combine(_dir, "in2.csv"), output = Path.Combine(_dir, "out2.csv");
        File.WriteAllText(input, "x1,x2,x3\n0.1,0.2,0.3\n");
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", input, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [Fact]
    public void ZeroCoefficientInitStartsFromTheZeroFunction()
    {
        var spec = NeuralSparseGrids.Cli.Infrastructure.ExperimentOptions.Parse(
            new NeuralSparseGrids.Cli.Infrastructure.CliArguments(["--data", "swissroll", "--coef-init", "zeros"]));
        Assert.Equal(NeuralSparseGrids.Layers.CoefficientInit.Zeros, spec.Model.Grid.CoefficientInit);
        using var model = NeuralSparseGrids.Models.NeuralSparseGrid.Create(spec.Model with { Inputs = 3 }, seed: 1);
        Assert.Equal(0.0, model.Layer.Coefficients.abs().max().item<float>());
        using var normal = NeuralSparseGrids.Models.NeuralSparseGrid.Create(spec.Model with { Inputs = 3, Grid = spec.Model.Grid with { CoefficientInit = NeuralSparseGrids.Layers.CoefficientInit.SmallNormal } }, seed: 1);
        Assert.True(normal.Layer.Coefficients.abs().max().item<float>() > 0);
    }

    [Theory]
    [InlineData("train --data swissroll --epochz 3", "Unknown option")]
    [InlineData("train --data swissroll --lr abc", "--lr expects a number")]
    [InlineData("train --data swissroll --level 0", "--level must be in")]
    [InlineData("train --data swissroll --method ls --freeze-encoder 5 --epochs 1", "gradient method only")]
    [InlineData("train --data swissroll --latent-gain -1", "--latent-gain must be in")]
    [InlineData("train --data swissroll --latent-stats 0", "--latent-stats must be in")]
    [InlineData("train --data nosuch.csv", "nosuch.csv")]
    [InlineData("train --data swissroll --rescale margin:0.7", "--rescale")]
    [InlineData("train --data swissroll --split 0.5,0.5,0.5", "--split")]
    [InlineData("train --data swissroll --resume", "--resume needs --out")]
    [InlineData("train", "--data is required")]
    [InlineData("train --data swissroll --level 3 --levels 3,2", "exclude each other")]
    [InlineData("train --data swissroll --latent 3 --levels 3,2", "latent dimension is 3")]
    [InlineData("train --data swissroll --adapt points --grid extended-boundary --epochs 1", "LinearExtendedBoundary")]
    [InlineData("train --data swissroll --max-points 100", "add --adapt subspaces")]
    [InlineData("train --data swissroll --adapt subspaces --indicator curvature", "--indicator")]
    [InlineData("frobnicate", "unknown command")]
    [InlineData("predict --model /nonexistent/run --input a.csv --output b.csv", "does not exist")]
    public void BadInputGivesAClearMessageAndNonZeroExit(string commandLine, string expected)
    {
        var (code, _, stderr) = CliRunner.Run(commandLine.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void NaNInATrainingFileIsReportedWithItsLine()
    {
        string csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, "a,b,y\n1,2,3\n4,NaN,6\n");
        var (code, _, stderr) = CliRunner.Run("train", "--data", csv, "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("bad.csv", stderr);
        Assert.Contains("3", stderr);
    }

    [Fact]
    public void TooLargeGridIsRefusedBeforeAllocating()
    {
        var (code, _, stderr) = CliRunner.Run("train", "--data", "swissroll", "--count", "100", "--latent", "20", "--level", "12", "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("points", stderr);
        Assert.Contains("bytes", stderr);
    }
}
