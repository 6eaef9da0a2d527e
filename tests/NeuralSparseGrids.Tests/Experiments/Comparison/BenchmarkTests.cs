using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Tests.Cli;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

[Collection("Torch")]
public class BenchmarkTests
{
    [Fact]
    public void ManifestParsesAndNamesTheFiles()
    {
        var suite = BenchmarkSuite.Parse("""
            { "description": "two", "datasets": [
              { "file": "a.csv.gz", "task": "regression", "target": "y" },
              { "file": "b.csv", "task": "Classification", "target": "class", "options": { "drop": "id" } } ] }
            """, "test.json");
        Assert.Equal(["a", "b"], suite.Datasets.Select(d => d.Name));
        Assert.Equal(DatasetTask.Classification, suite.Datasets[1].DatasetTask);
        Assert.Equal("id", suite.Datasets[1].Options!["drop"]);
    }

    [Theory]
    [InlineData("""{ "datasets": [] }""", "lists no data sets")]
    [InlineData("""{ "datasets": [ { "file": "a.csv", "task": "regression" } ] }""", "data set 1 (a.csv) has no \"target\"")]
    [InlineData("""{ "datasets": [ { "file": "a.csv", "task": "ranking", "target": "y" } ] }""", "task 'ranking' of a.csv")]
    [InlineData("""{ "datasets": [ { "file": "a.csv", "task": "regression", "target": "y" }, { "file": "a.csv", "task": "regression", "target": "z" } ] }""", "'a' is listed twice")]
    [InlineData("""{ "datasets": [ """, "not a valid suite manifest")]
    public void BadManifestsGetClearErrors(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => BenchmarkSuite.Parse(json, "m.json"));
        Assert.StartsWith("m.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TheRepositoryManifestDescribesTheNineSuiteFiles()
    {
        string path = Path.Combine(RepoRoot(), "docs", "benchmark", "suite.json");
        var suite = BenchmarkSuite.Load(path);
        Assert.Equal(9, suite.Datasets.Count);
        Assert.Equal(3, suite.Datasets.Count(d => d.DatasetTask == DatasetTask.Regression));
        string? shared = TestData.SharedDatasets();
        if (shared != null)
            foreach (var d in suite.Datasets) Assert.True(File.Exists(Path.Combine(shared, "benchmark", d.File)), d.File);
    }

    [Fact]
    public void BenchmarkRunsEveryDataSetOfASuiteAndWritesOneTable()
    {
        using var temp = new TempDir();
        string dir = temp.Path;
        TinyData.WriteClassificationCsv(dir, "blobs.csv");
        TinyData.WriteRegressionCsv(dir, "plane.csv");
        File.WriteAllText(Path.Combine(dir, "suite.json"), """
            { "datasets": [ { "file": "blobs.csv", "task": "classification", "target": "side" },
                            { "file": "plane.csv", "task": "regression", "target": "y" } ] }
            """);
        string outDir = Path.Combine(dir, "out");
        var (code, stdout, stderr) = CliRun.Run("benchmark", "--suite", dir, "--splits", "2", "--methods", "linear,trees", "--out", outDir, "--json");
        Assert.True(code == 0, stderr + stdout);
        var json = CliRun.LastJson(stdout);
        Assert.Equal(["blobs", "plane"], json.GetProperty("datasets").EnumerateObject().Select(p => p.Name));
        Assert.Equal("rmse", json.GetProperty("datasets").GetProperty("plane").GetProperty("metric").GetString());
        var table = File.ReadAllText(Path.Combine(outDir, "benchmark.md"));
        Assert.Contains("| blobs |", table);
        Assert.Contains("| plane |", table);
        Assert.Equal(1 + 2 * 2, File.ReadAllLines(Path.Combine(outDir, "benchmark.csv")).Length);
    }

    [Fact]
    public void UnknownDataSetInOnlyIsAUsageError()
    {
        using var temp = new TempDir();
        string dir = temp.Path;
        var (code, _, stderr) = CliRun.Run("benchmark", "--suite", dir, "--only", "nope");
        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("nope", stderr);
    }

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "NeuralSparseGrids.sln"))) d = d.Parent;
        return d?.FullName ?? throw new DirectoryNotFoundException("repository root not found");
    }
}
