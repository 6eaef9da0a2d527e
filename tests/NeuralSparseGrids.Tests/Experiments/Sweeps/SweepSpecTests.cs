using NeuralSparseGrids.Experiments.Sweeps;

namespace NeuralSparseGrids.Tests.Experiments.Sweeps;

public sealed class SweepSpecTests
{
    private const string Grid = """
        { "name": "g", "base": { "data": "swissroll", "epochs": 5, "lr": 0.5 },
          "axes": { "lr": [0.001, 0.01, 0.1], "method": ["gradient", "ls"] }, "seeds": [1, 7] }
        """;

    [Fact]
    public void GridExpandsConfigurationMajorWithSeedsInnermostAndOverridesBaseInPlace()
    {
        var spec = SweepSpecReader.Parse(Grid);
        var cells = spec.Cells();
        Assert.Equal(12, cells.Count);
        Assert.Equal(Enumerable.Range(0, 12), cells.Select(c => c.Index));
        // Last axis fastest, then seeds: cell 3 = (lr 0.001, ls, seed 7).
        Assert.Equal("lr=0.001, method=ls", cells[3].Values.Describe());
        Assert.Equal(7, cells[3].Seed);
        Assert.Equal(1, cells[3].Configuration);
        Assert.Equal(["--data", "swissroll", "--epochs", "5", "--lr", "0.001", "--method", "ls", "--seed", "7"], cells[3].Arguments);
        Assert.Equal("lr=0.1, method=gradient", cells[8].Values.Describe());
    }

    [Fact]
    public void RangesLinkedValuesAndFlagsExpand()
    {
        var spec = SweepSpecReader.Parse("""
            { "base": { "data": "twomoons", "no-plots": true, "resume-like": false },
              "axes": { "level": { "from": 3, "to": 6 }, "lambda": { "log": [0.001, 1], "count": 4 }, "x": { "from": 0, "to": 1, "step": 0.25 },
                        "setup": [ { "label": "LS", "set": { "method": "ls", "lr": 0.001 } }, "plain" ] },
              "seeds": 2 }
            """, "t.json");
        Assert.Equal("t", spec.Name);
        Assert.Equal(["3", "4", "5", "6"], spec.Axes[0].Values.Select(v => v.Label));
        Assert.Equal(["0.001", "0.01", "0.1", "1"], spec.Axes[1].Values.Select(v => v.Label));
        Assert.Equal(["0", "0.25", "0.5", "0.75", "1"], spec.Axes[2].Values.Select(v => v.Label));
        Assert.Equal(4 * 4 * 5 * 2 * 2, spec.CellCount);
        var first = spec.Cells()[0];
        Assert.Equal([1, 2], spec.Seeds);
        Assert.Contains("--no-plots", first.Arguments);
        Assert.DoesNotContain("--resume-like", first.Arguments);
        Assert.Equal("LS", first.Values.Values["setup"].Label);
        Assert.Equal("ls", first.Arguments[first.Arguments.ToList().IndexOf("--method") + 1]);
    }

    [Fact]
    public void RandomSearchIsSeededInBoundsAndABiggerBudgetKeepsTheEarlierDraws()
    {
        string Spec(int budget) => $$"""
            { "base": { "data": "swissroll" }, "random": { "budget": {{budget}}, "seed": 5,
              "space": { "lr": { "log-uniform": [0.0001, 0.1] }, "level": { "int": [3, 6] }, "rescale": ["sigmoid", "tanh"], "gain": { "uniform": [0.5, 2] } } } }
            """;
        var small = SweepSpecReader.Parse(Spec(6)).Configurations();
        var again = SweepSpecReader.Parse(Spec(6)).Configurations();
        var big = SweepSpecReader.Parse(Spec(20)).Configurations();
        Assert.Equal(small.Select(c => c.Describe()), again.Select(c => c.Describe()));
        Assert.Equal(small.Select(c => c.Describe()), big.Take(6).Select(c => c.Describe()));
        Assert.Equal(20, big.Select(c => c.Describe()).Distinct().Count());
        foreach (var c in big)
        {
            double lr = double.Parse(c.Values["lr"].Label, System.Globalization.CultureInfo.InvariantCulture);
            int level = int.Parse(c.Values["level"].Label, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(lr, 0.0001, 0.1);
            Assert.InRange(level, 3, 6);
        }
        // Log-uniform: about as many draws below 1e-2.5 as above (a uniform draw would put ~97% above).
        int low = big.Count(c => double.Parse(c.Values["lr"].Label, System.Globalization.CultureInfo.InvariantCulture) < Math.Pow(10, -2.5));
        Assert.InRange(low, 4, 16);
        Assert.Equal(2, big.Select(c => c.Values["rescale"].Label).Distinct().Count());
    }

    [Fact]
    public void WriterOutputReadsBackToTheSameSpec()
    {
        foreach (string text in new[]
                 {
                     Grid,
                     """
                     { "name": "r", "base": { "data": "a.csv", "flag": true }, "axes": { "setup": [ { "label": "A", "set": { "lr": 1e-3, "method": "ls" } } ] },
                       "random": { "budget": 3, "seed": 2, "space": { "lr": { "log-uniform": [0.001, 0.1] }, "enc": [ { "label": "w", "set": { "encoder": "1,64,64" } } ] } }, "seeds": 3, "score": "validation.mae" }
                     """,
                 })
        {
            var spec = SweepSpecReader.Parse(text);
            string json = SweepSpecWriter.ToJson(spec);
            var back = SweepSpecReader.Parse(json);
            Assert.Equal(json, SweepSpecWriter.ToJson(back));
            Assert.Equal(spec.Cells().Select(c => string.Join(' ', c.Arguments)), back.Cells().Select(c => string.Join(' ', c.Arguments)));
        }
    }

    [Theory]
    [InlineData("[1]", "top level must be a JSON object")]
    [InlineData("""{ "axes": { "lr": [] } }""", "axis 'lr' has no values")]
    [InlineData("""{ "axis": {} }""", "unknown entry 'axis'")]
    [InlineData("""{ "base": { "seed": 3 } }""", "must not set seed")]
    [InlineData("""{ "axes": { "lr": { "log": [0, 1], "count": 3 } } }""", "bounds must be positive")]
    [InlineData("""{ "random": { "budget": 2, "space": { "lr": { "normal": [0, 1] } } } }""", "unknown distribution 'normal'")]
    [InlineData("""{ "seeds": [1, 1] }""", "distinct")]
    [InlineData("""{ "score": "test.mse" }""", "'score' must be one of")]
    [InlineData("""{ "axes": { "x": [ { "label": "no set" } ] } }""", "needs \"set\"")]
    public void BadSpecsGiveSpecificErrorsNamingTheFile(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => SweepSpecReader.Parse(json, "my.json"));
        Assert.StartsWith("my.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void NsgCommandParsesQuotesAndQuotesForTheShell()
    {
        var c = NsgCommand.Parse("dotnet '/opt/my nsg/nsg.dll'");
        Assert.Equal("dotnet", c.Program);
        Assert.Equal(["/opt/my nsg/nsg.dll"], c.Prefix);
        Assert.Equal("dotnet '/opt/my nsg/nsg.dll'", c.ToShell());
        var resolved = NsgCommand.Resolve(null, typeof(NeuralSparseGrids.Cli.Infrastructure.CliApp).Assembly);
        Assert.True(File.Exists(resolved.Program) || resolved.Prefix.Count == 1 && resolved.Prefix[0].EndsWith("nsg.dll"), resolved.ToShell());
    }
}
