using System.Text.Json;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.Cli;

/// <summary>`nsg train|evaluate|predict` on files as users have them: text labels, categories, NA, reordered columns, no header, gz.</summary>
[Collection("Torch")]
public sealed class RealDataCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Quick = ["--epochs", "2", "--level", "3", "--encoder", "4,8", "--no-plots", "--json"];

    // 60 rows: label first (text), a quoted category, two numbers; the label depends on the numbers.
    private static string Labelled(Func<int, string>? colour = null)
    {
        var rows = Enumerable.Range(0, 60).Select(i =>
        {
            double a = (i * 37 % 60) / 60.0, b = (i * 11 % 60) / 60.0;
            return $"\"{(a + b > 1 ? "yes" : "no")}\",{a},\"{colour?.Invoke(i) ?? (i % 3 == 0 ? "red" : "blue")}\",{b}";
        });
        return "\"answer\",\"a\",\"colour\",\"b\"\n" + string.Join("\n", rows) + "\n";
    }

    private static string Regression() =>
        "x1,x2,x3,x4,x5,y\n" + string.Concat(Enumerable.Range(0, 80).Select(i =>
        {
            double[] x = [i % 7, i % 5 * 0.5, i % 11, i * 0.1, i % 3];
            return string.Join(",", x) + $",{x[0] + 2 * x[1] - x[2] + 0.5 * x[3]}\n";
        }));

    [Fact]
    public void TextLabelsAndCategoriesTrainEvaluateAndPredictWithTheUsersLabels()
    {
        string data = _dir.GzipFile("labelled.csv.gz", Labelled()), run = Path.Combine(_dir.Path, "run");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", data, "--target", "answer", "--out", run, .. Quick]);
        Assert.True(code == 0, stderr);
        Assert.Contains("Task classification", stderr); // with --json the notes go to stderr
        Assert.Contains("holds quoted (text) values", stderr);
        Assert.Contains("Model: MLP encoder 4-8-2", stderr); // a, colour=blue, colour=red, b
        Assert.Contains("split", stderr);
        var json = CliRunner.LastJson(stdout);
        Assert.Equal(["no", "yes"], json.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.True(json.GetProperty("trivialBaseline").GetProperty("accuracy").GetDouble() > 0);

        // result.json describes the model as built (4 encoded inputs) and only the settings that apply to a file.
        var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "result.json"))).RootElement.GetProperty("spec");
        Assert.Equal(4, spec.GetProperty("model").GetProperty("inputs").GetInt32());
        Assert.False(spec.GetProperty("data").TryGetProperty("swissRollT", out _));
        Assert.Equal("auto", spec.GetProperty("data").GetProperty("task").GetString());

        // evaluate: no --task needed (the model knows it), columns in another order give the same accuracy.
        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", data, "--json");
        Assert.True(code == 0, stderr);
        double accuracy = CliRunner.LastJson(stdout).GetProperty("test").GetProperty("accuracy").GetDouble();
        string reordered = _dir.File("reordered.csv", Reorder(Labelled(), [3, 2, 0, 1]));
        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", reordered, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(accuracy, CliRunner.LastJson(stdout).GetProperty("test").GetProperty("accuracy").GetDouble());

        // predict: CSV without header (matched by position, and said so); labels are the user's strings.
        string noHeader = _dir.File("nohead.csv", string.Join("\n", Labelled().Split('\n').Skip(1).Take(5)) + "\n");
        string output = Path.Combine(_dir.Path, "out.csv");
        (code, stdout, stderr) = CliRunner.Run("predict", "--model", run, "--input", noHeader, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("no header row", stdout);
        var lines = File.ReadAllLines(output);
        Assert.Equal(6, lines.Length);
        Assert.Contains("p_yes", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Matches(",(yes|no),[01]$", l));
    }

    [Fact]
    public void EvaluateWithReorderedColumnsGivesTheSameMseAndAMissingColumnIsNamed()
    {
        string data = _dir.File("reg.csv", Regression()), run = Path.Combine(_dir.Path, "reg");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, .. Quick]);
        Assert.True(code == 0, stderr);
        Assert.Contains("Task regression", stderr);
        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", data, "--json");
        Assert.True(code == 0, stderr);
        double mse = CliRunner.LastJson(stdout).GetProperty("test").GetProperty("mse").GetDouble();
        string reordered = _dir.File("reg-reordered.csv", Reorder(Regression(), [5, 4, 3, 2, 1, 0]));
        (code, stdout, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", reordered, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(mse, CliRunner.LastJson(stdout).GetProperty("test").GetProperty("mse").GetDouble(), 6); // float32 sums in another thread order

        string missing = _dir.File("reg-missing.csv", Reorder(Regression(), [0, 1, 2, 3, 5]));
        (code, _, stderr) = CliRunner.Run("evaluate", "--model", run, "--data", missing);
        Assert.Equal(1, code);
        Assert.Contains("missing column 'x5'", stderr);

        // A second train into the same directory is refused unless --force.
        (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, .. Quick]);
        Assert.NotEqual(0, code);
        Assert.Contains("already holds a run", stderr);
        (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, "--force", .. Quick]);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public void EncoderInputWidthThatDoesNotMatchTheDataIsReported()
    {
        string data = _dir.File("reg.csv", Regression());
        var (code, _, stderr) = CliRunner.Run("train", "--data", data, "--encoder", "7,25", "--epochs", "1", "--level", "2", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("--encoder starts with input width 7, but the data give 5 model inputs", stderr);
    }

    [Fact]
    public void AModelWorseThanTheMeanPredictorIsFlagged()
    {
        string data = _dir.File("reg.csv", Regression());
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", data, "--lr", "100", "--epochs", "2", "--level", "2", "--encoder", "3,8");
        Assert.True(code == 0, stderr);
        Assert.Contains("mean predictor on the same test split", stdout);
        Assert.Contains("Warning: the model is not better", stdout);
    }

    [Fact]
    public void TruncatedModelFileIsNamedOnResume()
    {
        string data = _dir.File("reg.csv", Regression()), run = Path.Combine(_dir.Path, "trunc");
        var (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, .. Quick]);
        Assert.True(code == 0, stderr);
        string model = Path.Combine(run, "model.bin");
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--out", run, "--resume", "--epochs", "3", "--level", "3", "--encoder", "4,8", "--no-plots"]);
        Assert.NotEqual(0, code);
        Assert.Contains("model.bin", stderr);
        Assert.Contains("best.bin", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Theory]
    [InlineData("three", "split is empty")]
    [InlineData("na", "missing value")]
    [InlineData("maxgib", "--max-gib")]
    public void BadTrainingInputGivesAClearMessageAndNonZeroExit(string what, string expected)
    {
        string file = what switch
        {
            "three" => _dir.File("three.csv", "a,b,y\n1,2,0.5\n2,3,1.5\n3,1,2.5\n"),
            "na" => _dir.File("na.csv", WithMissingCell(Regression(), line: 5, column: 1)),
            _ => _dir.File("reg.csv", Regression()),
        };
        string[] extra = what == "maxgib" ? ["--latent", "12", "--level", "10", "--max-gib", "0.001"] : [];
        var (code, _, stderr) = CliRunner.Run(["train", "--data", file, "--epochs", "1", .. extra]);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("   at ", stderr);
        if (what == "na") Assert.Contains("na.csv:5", stderr);
    }

    [Fact]
    public void PredictInputWithAHeaderButNoRowsOrAnUnseenCategoryIsAClearError()
    {
        string data = _dir.File("labelled.csv", Labelled()), run = Path.Combine(_dir.Path, "run2");
        var (code, _, stderr) = CliRunner.Run(["train", "--data", data, "--target", "answer", "--out", run, .. Quick]);
        Assert.True(code == 0, stderr);
        string output = Path.Combine(_dir.Path, "o.csv");
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", _dir.File("empty.csv", "\"a\",\"colour\",\"b\"\n"), "--output", output);
        Assert.Equal(1, code);
        Assert.Contains("no data rows", stderr);
        (code, _, stderr) = CliRunner.Run("predict", "--model", run, "--input", _dir.File("green.csv", "\"a\",\"colour\",\"b\"\n0.5,\"green\",0.5\n"), "--output", output);
        Assert.Equal(1, code);
        Assert.Contains("column 'colour': category 'green'", stderr);
    }

    [SkippableFact]
    public void ABenchmarkFileTrainsAsItIs()
    {
        string glass = TestData.RequireShared("benchmark", "glass.csv.gz");
        var (code, stdout, stderr) = CliRunner.Run(["train", "--data", glass, "--target", "Type", "--epochs", "1", "--level", "2", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(6, CliRunner.LastJson(stdout).GetProperty("classes").GetArrayLength());
    }

    // The CSV with NA in one cell (1-based file line, 0-based column).
    private static string WithMissingCell(string csv, int line, int column)
    {
        var lines = csv.Split('\n');
        var cells = lines[line - 1].Split(',');
        cells[column] = "NA";
        lines[line - 1] = string.Join(",", cells);
        return string.Join("\n", lines);
    }

    // The CSV with its columns in the given order (naive split: the test files have no quoted commas).
    private static string Reorder(string csv, int[] order) =>
        string.Join("\n", csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => { var c = l.Split(','); return string.Join(",", order.Select(k => c[k])); })) + "\n";
}
