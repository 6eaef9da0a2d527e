using NeuralSparseGrids.Cli.Infrastructure;

namespace NeuralSparseGrids.Tests.Reproduction;

public sealed class ReproduceCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void UnknownTableListsTheTables()
    {
        var (code, _, err) = Run("reproduce", "3.99");
        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("Unknown table '3.99'", err);
        Assert.Contains("3.13", err);
        Assert.Contains("fig3.8", err);
    }

    [Fact]
    public void SpectraTableWithoutDataExplainsAndFails()
    {
        var (code, _, err) = Run("reproduce", "3.3");
        Assert.NotEqual(0, code);
        Assert.Contains("--data spectra:FILE.csv --target", err);
    }

    [Fact]
    public void MissingTableIsAUsageError()
    {
        var (code, _, err) = Run("reproduce");
        Assert.Equal(CliApp.UsageError, code);
        Assert.Contains("Which table", err);
    }
}
