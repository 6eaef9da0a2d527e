using NeuralSparseGrids.Reproduction;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Reproduction;

[Collection("Torch")]
public sealed class ReproductionRunTests
{
    private static TableDefinition TinyTable()
    {
        var moons = ThesisSpecs.TwoMoons(3);
        var swiss = ThesisSpecs.SwissRoll(4, TrainingMethod.LeastSquares);
        return new TableDefinition
        {
            Id = "t.1",
            Title = "tiny",
            Notes = "test table",
            Cells = _ =>
            [
                new ReproCell("level 3", "# grid points", Measure.GridPoints, 17, moons),
                new ReproCell("level 3", "# activated", Measure.ActivatedPoints, 12, moons),
                new ReproCell("level 3", "accuracy", Measure.TestAccuracy, 0.9565, moons),
                new ReproCell("level 3", "diameter (final)", Measure.Diameter, null, moons),
                new ReproCell("LS", "level 4", Measure.TestMse, 0.0088, swiss),
                new ReproCell("lit", "x", Measure.TestMse, 0.5, null, "literature value"),
                new ReproCell("Bayes floor", "level 4", Measure.BayesTestMse, null, swiss),
            ],
        };
    }

    [Fact]
    public void TinyReproduceWritesCsvAndMarkdownWithThesisAndOurs()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nsg-repro-" + Guid.NewGuid().ToString("N"));
        try
        {
            var lines = new List<string>();
            var result = ReproductionRunner.Run(TinyTable(), new ReproduceOptions
            {
                Scale = new ReproductionScale(Epochs: 1, Count: 200, Seeds: 2),
                Log = lines.Add,
            });
            Assert.Equal(2, result.Seeds);
            Assert.Equal(4, lines.Count); // two specs x two seeds
            var grid = result.Cells[0];
            Assert.Equal(17, grid.Ours);
            Assert.Equal(2, grid.Values.Length);
            Assert.InRange(result.Cells[2].Ours!.Value, 0, 1);
            Assert.InRange(result.Cells[3].Ours!.Value, 0, Math.Sqrt(2));
            Assert.True(result.Cells[4].Ours > 0);
            Assert.Null(result.Cells[5].Ours);
            // The irreducible error shares the LS run; a model trained for one epoch on 120 points is far above it.
            Assert.InRange(result.Cells[6].Ours!.Value, 1e-5, 0.01);
            Assert.True(result.Cells[6].Ours < result.Cells[4].Ours);

            var (csv, md) = TableReport.Write(result, dir);
            var csvLines = File.ReadAllLines(csv);
            Assert.StartsWith("table,row,column,measure,thesis,ours,", csvLines[0]);
            Assert.Equal(8, csvLines.Length);
            Assert.Contains("t.1,level 3,# grid points,GridPoints,17,17,", csvLines[1]);
            string text = File.ReadAllText(md);
            Assert.Contains("| Row | Column | Thesis | Ours |", text);
            Assert.Contains("| level 3 | # grid points | 17 | 17 |", text);
            Assert.Contains("Reduced run", text);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void UserDataTableWithoutDataIsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReproductionRunner.Run(ThesisTables.Find("3.3")!, new ReproduceOptions()));
        Assert.Contains("--data spectra:", e.Message);
    }
}
