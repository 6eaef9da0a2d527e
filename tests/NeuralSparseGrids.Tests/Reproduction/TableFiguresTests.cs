using NeuralSparseGrids.Reproduction;

namespace NeuralSparseGrids.Tests.Reproduction;

public sealed class TableFiguresTests
{
    private static ReproductionResult Result(string id)
    {
        var cells = new List<CellResult>();
        foreach (var method in new[] { "LS", "ILS" })
            foreach (var lr in new[] { "lr=1E-3", "lr=5E-3" })
                foreach (var lambda in new[] { "lambda=0.01", "lambda=0.1" })
                {
                    var cell = new ReproCell($"{method} {lr}", lambda, Measure.Log10TestMse, null, null, "test");
                    cells.Add(new CellResult(cell, [-3.1], -3.1, -3.1, -3.1, 0));
                }
        var table = new TableDefinition { Id = id, Title = "t", Cells = _ => [.. cells.Select(c => c.Cell)] };
        return new ReproductionResult(table, cells, 1, null, 1);
    }

    [Fact]
    public void FigureTablesGetOneAnnotatedHeatmapPerMethod()
    {
        string dir = Directory.CreateTempSubdirectory("nsg-fig").FullName;
        try
        {
            var files = TableFigures.Write(Result("fig3.8"), dir);
            Assert.Equal([Path.Combine(dir, "figure-3.8-LS.png"), Path.Combine(dir, "figure-3.8-ILS.png")], files);
            foreach (var file in files)
            {
                var bytes = File.ReadAllBytes(file);
                Assert.True(bytes.Length > 1000);
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            }
            Assert.Empty(TableFigures.Write(Result("3.2"), dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
