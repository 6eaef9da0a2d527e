using NeuralSparseGrids.Reproduction;

namespace NeuralSparseGrids.Tests.Reproduction;

public sealed class ThesisTablesTests
{
    [Fact]
    public void EveryTableOfChapter3IsListed()
    {
        string[] expected = ["3.1", "3.2", "fig3.8", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];
        Assert.Equal(expected, ThesisTables.All.Select(t => t.Id));
    }

    [Fact]
    public void EveryTableHasThesisNumbersAndSpecs()
    {
        var noData = new TableContext(null);
        var withData = new TableContext(new NeuralSparseGrids.Experiments.DataSpec { Source = "spectra:x.csv", TableOptions = new() { Target = "feh" } });
        foreach (var table in ThesisTables.All)
        {
            var cells = table.Cells(withData);
            Assert.NotEmpty(cells);
            Assert.Contains(cells, c => c.Thesis.HasValue);
            Assert.Contains(cells, c => c.Spec != null);
            Assert.All(cells, c => Assert.True(c.Spec != null || c.Note != null, $"{table.Id} {c.Row}/{c.Column} has neither spec nor note"));
            Assert.Equal(cells.Count, cells.Select(c => (c.Row, c.Column)).Distinct().Count());
            if (!table.RequiresUserData) Assert.Contains(table.Cells(noData), c => c.Spec != null);
            else Assert.All(table.Cells(noData), c => Assert.Null(c.Spec));
            Assert.False(string.IsNullOrWhiteSpace(table.Title));
        }
    }

    [Fact]
    public void PublishedNumbersAreTypedIn()
    {
        var t32 = ThesisTables.Find("3.2")!.Cells(new TableContext(null));
        Assert.Equal(0.0004, t32.Single(c => c.Row == "ILS" && c.Column == "level 6").Thesis);
        var t313 = ThesisTables.Find("table3.13")!.Cells(new TableContext(null));
        Assert.Equal(108, t313.Single(c => c.Row == "level 8" && c.Column == "# activated").Thesis);
        Assert.NotNull(ThesisTables.Find("figure3.8"));
        Assert.Null(ThesisTables.Find("3.99"));
    }

    [Fact]
    public void SwissRollTablesUseTheUnitTReading()
    {
        var spec = ThesisTables.Find("3.2")!.Cells(new TableContext(null))[0].Spec!;
        Assert.Equal(NeuralSparseGrids.Data.SwissRollT.Unit, spec.Data.SwissRollT);
        Assert.Contains("unit-t", ThesisTables.Find("3.2")!.Notes);
    }

    [Theory]
    [InlineData("3.1")]
    [InlineData("3.2")]
    [InlineData("3.12")]
    [InlineData("3.15")]
    public void SwissRollTablesCarryTheBayesFloorOnASharedRun(string id)
    {
        var cells = ThesisTables.Find(id)!.Cells(new TableContext(null));
        var floor = cells.Single(c => c.Measure == Measure.BayesTestMse);
        Assert.Equal(ThesisTables.BayesRow, floor.Row);
        Assert.Null(floor.Thesis);
        // Shares the spec object of a trained cell, so the runner adds no run for it.
        Assert.Contains(cells, c => c != floor && ReferenceEquals(c.Spec, floor.Spec) && c.Measure == Measure.TestMse);
    }
}
