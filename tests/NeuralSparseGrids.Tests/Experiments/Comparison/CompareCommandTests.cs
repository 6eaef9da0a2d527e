using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Tests.Cli;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

[Collection("Torch")]
public class CompareCommandTests
{
    [Fact]
    public void AllMethodsRunOnATinyCsvAndTheJsonHasMedianAndRange()
    {
        using var temp = new TempDir();
        string dir = temp.Path;
        string csv = TinyData.WriteClassificationCsv(dir);
        var (code, stdout, stderr) = CliRun.Run("compare", "--data", csv, "--target", "side", "--task", "classification", "--splits", "2",
            "--epochs", "3", "--out", dir, "--json");
        Assert.True(code == 0, stderr + stdout);
        var json = CliRun.LastJson(stdout);
        Assert.Equal("accuracy", json.GetProperty("metric").GetString());
        Assert.Equal([1, 2], json.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt32()));
        var methods = json.GetProperty("methods");
        Assert.Equal(ComparisonMethods.DefaultNames, methods.EnumerateObject().Select(p => p.Name));
        foreach (var name in ComparisonMethods.DefaultNames)
        {
            var m = methods.GetProperty(name);
            Assert.Equal(0, m.GetProperty("failures").GetInt32());
            var scores = m.GetProperty("splits").EnumerateArray().Select(s => s.GetProperty("score").GetDouble()).ToArray();
            Assert.Equal(2, scores.Length);
            Assert.Equal((scores[0] + scores[1]) / 2, m.GetProperty("median").GetDouble(), 12);
            Assert.Equal(scores.Min(), m.GetProperty("min").GetDouble(), 12);
            Assert.Equal(scores.Max(), m.GetProperty("max").GetDouble(), 12);
            Assert.InRange(m.GetProperty("median").GetDouble(), 0, 1);
            Assert.True(m.GetProperty("fitSeconds").GetDouble() >= 0);
        }
        // The easy rule (sign of a + b) is learned by the baselines well above chance.
        Assert.True(methods.GetProperty("linear").GetProperty("median").GetDouble() > 0.75);
        Assert.Contains("| nsg |", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "comparison.md")));
        var lines = File.ReadAllLines(Path.Combine(dir, "comparison.csv"));
        Assert.Equal(ComparisonReport.CsvHeader, lines[0]);
        Assert.Equal(1 + ComparisonMethods.DefaultNames.Length, lines.Length);
        using var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "comparison.json")));
        Assert.Equal(methods.GetProperty("nsg").GetProperty("median").GetDouble(), saved.RootElement.GetProperty("methods").GetProperty("nsg").GetProperty("median").GetDouble());
    }

    [Fact]
    public void TheTunedRowSearchesNsgTunesCandidatesPerSplitAndRepeats()
    {
        using var temp = new TempDir();
        string csv = TinyData.WriteClassificationCsv(temp.Path);
        string[] line = ["compare", "--data", csv, "--target", "side", "--task", "classification", "--splits", "2", "--epochs", "3",
            "--methods", "nsg,nsg-tuned", "--tune-budget", "3", "--tune-epochs", "2", "--json"];
        var (code, stdout, stderr) = CliRun.Run(line);
        Assert.True(code == 0, stderr + stdout);
        var methods = CliRun.LastJson(stdout).GetProperty("methods");
        Assert.Equal(["nsg", "nsg-tuned"], methods.EnumerateObject().Select(p => p.Name));
        var tuned = methods.GetProperty("nsg-tuned");
        Assert.Equal(0, tuned.GetProperty("failures").GetInt32());
        Assert.InRange(tuned.GetProperty("median").GetDouble(), 0, 1);
        // Per split: the chosen candidate (one of nsg tune's three, drawn with the default search seed) and its validation score.
        var candidates = NeuralSparseGrids.Experiments.Sweeps.TuneSpace.Candidates(new NeuralSparseGrids.Experiments.Sweeps.DataShape(3, 120, 2), 3, 1).Select(c => c.Label).ToArray();
        foreach (var split in tuned.GetProperty("splits").EnumerateArray())
        {
            string detail = split.GetProperty("detail").GetString()!;
            Assert.Contains("best of 3 candidates", detail);
            Assert.Contains(candidates, c => detail.StartsWith(c + " (validation", StringComparison.Ordinal));
        }
        Assert.Contains("| nsg-tuned |", stdout);
        // Seeded: the same command gives the same per-split scores and choices.
        var again = CliRun.Run(line);
        Assert.True(again.Code == 0, again.Error);
        var repeat = CliRun.LastJson(again.Out).GetProperty("methods").GetProperty("nsg-tuned").GetProperty("splits");
        Assert.Equal(tuned.GetProperty("splits").EnumerateArray().Select(s => (s.GetProperty("score").GetDouble(), s.GetProperty("detail").GetString()!.Split(';')[0])),
            repeat.EnumerateArray().Select(s => (s.GetProperty("score").GetDouble(), s.GetProperty("detail").GetString()!.Split(';')[0])));
    }

    [Fact]
    public void RegressionReportsRmseInTargetUnits()
    {
        using var temp = new TempDir();
        string dir = temp.Path;
        string csv = TinyData.WriteRegressionCsv(dir);
        var (code, stdout, stderr) = CliRun.Run("compare", "--data", csv, "--target", "y", "--splits", "2", "--methods", "linear,sg", "--json");
        Assert.True(code == 0, stderr + stdout);
        var json = CliRun.LastJson(stdout);
        Assert.Equal("rmse", json.GetProperty("metric").GetString());
        // y = 3u - 2v spans about [-2, 3]; a linear fit leaves only the noise (std 0.029).
        Assert.True(json.GetProperty("methods").GetProperty("linear").GetProperty("median").GetDouble() < 0.05);
    }

    [Fact]
    public void UnknownMethodMissingTargetAndMissingColumnGetClearErrors()
    {
        using var temp = new TempDir();
        string dir = temp.Path;
        string csv = TinyData.WriteClassificationCsv(dir);
        var unknown = CliRun.Run("compare", "--data", csv, "--target", "side", "--methods", "nsg,svm");
        Assert.Equal(CliApp.UsageError, unknown.Code);
        Assert.Contains("unknown method 'svm'", unknown.Error);
        Assert.Contains("nsg, nsg-adaptive, nsg-tuned, ann, linear, trees, sg", unknown.Error);
        var noTarget = CliRun.Run("compare", "--data", csv);
        Assert.Equal(CliApp.UsageError, noTarget.Code);
        Assert.Contains("--target", noTarget.Error);
        var missing = CliRun.Run("compare", "--data", csv, "--target", "colour", "--task", "classification");
        Assert.Equal(CliApp.Failure, missing.Code);
        Assert.Contains("colour", missing.Error);
        Assert.DoesNotContain("   at ", missing.Error);
    }

    [Fact]
    public void TrainOnAFileUsesTheFileDataDefaultsAndExplicitOptionsWin()
    {
        using var temp = new TempDir();
        string csv = TinyData.WriteClassificationCsv(temp.Path);
        string run = Path.Combine(temp.Path, "run");
        var (code, stdout, stderr) = CliRun.Run("train", "--data", csv, "--target", "side", "--task", "classification", "--epochs", "2",
            "--latent", "3", "--out", run, "--no-plots", "--json");
        Assert.True(code == 0, stderr + stdout);
        var expected = NeuralSparseGrids.Experiments.FileDataDefaults.For(3, 120, 2);
        Assert.Contains($"File-data defaults for 3 inputs, 120 rows, 2 classes: encoder 3,{expected.HiddenLayers[0]},{expected.HiddenLayers[1]}", stderr);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json")));
        var model = result.RootElement.GetProperty("spec").GetProperty("model");
        Assert.Equal(3, model.GetProperty("latent").GetInt32());
        Assert.Equal(expected.Level, model.GetProperty("grid").GetProperty("level").GetInt32());
        Assert.Equal("mlp", model.GetProperty("encoder").GetProperty("kind").GetString());
        Assert.Equal(expected.HiddenLayers, model.GetProperty("encoder").GetProperty("hiddenLayers").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(2, result.RootElement.GetProperty("spec").GetProperty("training").GetProperty("epochs").GetInt32());
    }

    [Fact]
    public void RawFilesWithCategoriesAndTextLabelsAreEncodedPerSplit()
    {
        using var temp = new TempDir();
        var rng = new Random(5);
        var sb = new System.Text.StringBuilder("\"id\",\"colour\",\"x\",\"label\"\n");
        string[] colours = ["red", "green", "blue"];
        for (int i = 0; i < 150; i++)
        {
            string c = colours[rng.Next(3)];
            double x = rng.NextDouble();
            bool yes = c == "red" ? x > 0.3 : c == "green" ? x > 0.7 : x < 0.5;
            sb.AppendLine($"{i},\"{c}\",{x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},\"{(yes ? "yes" : "no")}\"");
        }
        string csv = temp.File("raw.csv", sb.ToString());
        var (code, stdout, stderr) = CliRun.Run("compare", "--data", csv, "--target", "label", "--drop", "id", "--splits", "2", "--methods", "linear,trees,sg", "--json");
        Assert.True(code == 0, stderr + stdout);
        var json = CliRun.LastJson(stdout);
        Assert.Equal("accuracy", json.GetProperty("metric").GetString());
        // colour one-hot (3) + x; the id column is left out.
        Assert.Equal(4, json.GetProperty("inputs").GetInt32());
        Assert.True(json.GetProperty("methods").GetProperty("trees").GetProperty("median").GetDouble() > 0.7);
        Assert.Contains("one-hot", stderr);

        // The comparison's splits are the loader's: same rows, same encoding as `nsg train` would use.
        var table = NeuralSparseGrids.Data.RawTable.Read(csv);
        var options = new NeuralSparseGrids.Data.TableOptions { Target = "label", Drop = ["id"] };
        var splits = new TableSplits(table, options, ScaledSplits.Protocol);
        var direct = NeuralSparseGrids.Data.TableSplit.Create(table, options, 0.7, 0.15, 0.15, 2);
        Assert.Equal(direct.Test.Features, splits.Split(2).Test.Features);
        Assert.Equal(["no", "yes"], splits.Problem.ClassNames.Order());
    }
}
