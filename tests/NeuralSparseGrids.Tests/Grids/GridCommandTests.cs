using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

public class GridCommandTests
{
    private static (int code, string stdout, string stderr) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(2, 3, 17)]
    [InlineData(8, 7, 141569)]
    [InlineData(10, 5, 13441)]
    public void JsonLineReportsThesisCounts(int dim, int level, long points)
    {
        var (code, stdout, stderr) = Run("grid", "--dim", dim.ToString(), "--level", level.ToString(), "--json");
        Assert.True(code == 0, stderr);
        var last = stdout.TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        var root = json.RootElement;
        Assert.Equal(dim, root.GetProperty("dim").GetInt32());
        Assert.Equal(level, root.GetProperty("level").GetInt32());
        Assert.Equal("linear", root.GetProperty("grid").GetString());
        Assert.Equal(points, root.GetProperty("points").GetInt64());
        Assert.True(root.GetProperty("subspaces").GetInt64() > 0);
        Assert.Equal(points * 8, root.GetProperty("coefficientBytes").GetInt64());
    }

    [Fact]
    public void AnisotropicLevelsAreDescribed()
    {
        var (code, stdout, stderr) = Run("grid", "--dim", "2", "--levels", "4,2", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("levels 4,2", stdout);
        var root = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Equal(29, root.GetProperty("points").GetInt64());
        Assert.Equal(SparseGrid.CreateAnisotropic([4, 2]).SubspaceCount, root.GetProperty("subspaces").GetInt64());
        Assert.Equal(4, root.GetProperty("level").GetInt32());
        Assert.Equal([4, 2], root.GetProperty("levels").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(29 * 8, root.GetProperty("coefficientBytes").GetInt64());
    }

    [Theory]
    [InlineData("grid --dim 2 --levels 4,2 --level 3", "exclude each other")]
    [InlineData("grid --dim 3 --levels 4,2", "one per dimension")]
    [InlineData("grid --dim 2 --levels 4,x", "entry 2")]
    [InlineData("grid --dim 2 --levels 25,25 --max-gib 0.001", "anisotropic levels 25,25")]
    public void BadAnisotropicLevelsAreRefused(string commandLine, string expected)
    {
        var (code, _, stderr) = Run(commandLine.Split(' '));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public void OtherGridTypesAndOutputs()
    {
        var (code, stdout, _) = Run("grid", "--dim", "2", "--level", "2", "--grid", "boundary", "--outputs", "3", "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        Assert.Equal(GridSize.Points(2, 2, GridType.LinearBoundary), json.RootElement.GetProperty("points").GetInt64());
        Assert.Equal(GridSize.Points(2, 2, GridType.LinearBoundary) * 3 * 8, json.RootElement.GetProperty("coefficientBytes").GetInt64());
        Assert.Contains("points", Run("grid", "--dim", "3", "--level", "3", "--grid", "modified-linear").stdout);
    }

    [Theory]
    [InlineData("grid", "--level", "3")]
    [InlineData("grid", "--dim", "0", "--level", "3")]
    [InlineData("grid", "--dim", "2", "--level", "x")]
    [InlineData("grid", "--dim", "2", "--level", "3", "--grid", "cubic")]
    [InlineData("grid", "--dim", "2", "--level", "3", "--bogus", "1")]
    public void BadValuesAreUsageErrors(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(CliApp.UsageError, code);
        Assert.StartsWith("nsg grid: ", stderr);
    }

    [Fact]
    public void BudgetIsConfigurable()
    {
        Assert.Equal(0, Run("grid", "--dim", "8", "--level", "7", "--outputs", "100").code);
        var (code, _, stderr) = Run("grid", "--dim", "8", "--level", "7", "--outputs", "100", "--max-gib", "0.05");
        Assert.Equal(CliApp.Failure, code);
        Assert.Contains("141,569 points", stderr);
    }

    [Fact]
    public void TooLargeGridIsRefusedWithTheGuardMessage()
    {
        var (code, stdout, stderr) = Run("grid", "--dim", "40", "--level", "15", "--json");
        Assert.Equal(CliApp.Failure, code);
        Assert.Contains("points", stderr);
        Assert.Contains("bytes", stderr);
        Assert.Equal("", stdout);
    }
}
