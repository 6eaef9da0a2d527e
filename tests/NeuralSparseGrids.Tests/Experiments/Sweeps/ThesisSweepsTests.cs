using System.Text.Json;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Experiments.Sweeps;
using NeuralSparseGrids.Reproduction;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Experiments.Sweeps;

public sealed class ThesisSweepsTests
{
    private static readonly JsonSerializerOptions Fields = new() { IncludeFields = true, WriteIndented = true };

    // Every experiment of every table, spelled as nsg train options and parsed back by the CLI, is the same experiment:
    // a table run through the sweep engine runs exactly what `nsg reproduce` runs in-process.
    [Fact]
    public void EveryThesisExperimentRoundTripsThroughNsgTrainOptions()
    {
        var userData = new DataSpec { Source = "spectra:stars.csv", TableOptions = new() { Target = "FEH", Task = NeuralSparseGrids.Data.DatasetTask.Regression }, Limit = 50000 };
        int checkedSpecs = 0;
        foreach (var table in ThesisTables.All)
            foreach (var cell in table.Cells(new TableContext(userData)).Where(c => c.Spec != null))
            {
                var spec = cell.Spec! with { Training = cell.Spec!.Training with { Seed = 3 } };
                var flags = TrainArguments.From(spec);
                var args = flags.SelectMany(f => f.Value is null ? new[] { "--" + f.Key } : ["--" + f.Key, f.Value]);
                // DeclaredInputs only records what --encoder said at the CLI edge (to warn about a wrong input width).
                var parsed = ExperimentOptions.Parse(new CliArguments(args)) with { DeclaredInputs = null };
                Assert.Equal(JsonSerializer.Serialize(spec, Fields), JsonSerializer.Serialize(parsed, Fields));
                checkedSpecs++;
            }
        Assert.True(checkedSpecs > 100, $"{checkedSpecs} experiments checked");
    }

    [Fact]
    public void AnisotropicLevelsRoundTripThroughNsgTrainOptions()
    {
        var spec = ExperimentOptions.Parse(new CliArguments(["--data", "twomoons", "--levels", "6,3"]));
        Assert.Equal([6, 3], spec.Model.Grid.Levels!);
        var args = TrainArguments.From(spec).SelectMany(f => f.Value is null ? new[] { "--" + f.Key } : ["--" + f.Key, f.Value]);
        var parsed = ExperimentOptions.Parse(new CliArguments(args)) with { DeclaredInputs = null };
        Assert.Equal(JsonSerializer.Serialize(spec with { DeclaredInputs = null }, Fields), JsonSerializer.Serialize(parsed, Fields));
    }

    // A sweep or tune cell on a CSV must read the file as its author asked: dropped columns, missing values, unseen
    // categories and input scaling travel in the cell's arguments (they were silently lost before).
    [Fact]
    public void TableFileOptionsRoundTripThroughNsgTrainOptions()
    {
        var spec = ExperimentOptions.Parse(new CliArguments(["--data", "patients.csv", "--target", "y", "--task", "regression", "--drop", "id,name",
            "--missing", "impute-median", "--unknown-category", "ignore", "--scale", "standard"]));
        var flags = TrainArguments.From(spec).ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("id,name", flags["drop"]);
        Assert.Equal("impute-median", flags["missing"]);
        Assert.Equal("ignore", flags["unknown-category"]);
        Assert.Equal("standard", flags["scale"]);
        var args = TrainArguments.From(spec).SelectMany(f => f.Value is null ? new[] { "--" + f.Key } : ["--" + f.Key, f.Value]);
        var parsed = ExperimentOptions.Parse(new CliArguments(args)) with { DeclaredInputs = null };
        Assert.Equal(JsonSerializer.Serialize(spec with { DeclaredInputs = null }, Fields), JsonSerializer.Serialize(parsed, Fields));

        // The defaults are spelled out for a table file too, so a cell does not depend on the CLI's defaults.
        var plain = TrainArguments.From(ExperimentOptions.Parse(new CliArguments(["--data", "patients.csv", "--target", "y"]))).ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal(("error", "error", "minmax"), (plain["missing"], plain["unknown-category"], plain["scale"]));
        Assert.False(plain.ContainsKey("drop"));
    }

    [Fact]
    public void AdaptivityAndSpreadRoundTripThroughNsgTrainOptions()
    {
        var spec = ExperimentOptions.Parse(new CliArguments(["--data", "twomoons", "--level", "3", "--adapt", "subspaces", "--refine-every", "4",
            "--refine-count", "3", "--max-points", "400", "--indicator", "gradient", "--coarsen", "0.01", "--spread", "0.5", "--spread-epochs", "30"]));
        Assert.Equal(new AdaptivityOptions { Mode = AdaptMode.Subspaces, RefineEvery = 4, RefineCount = 3, MaxPoints = 400, Indicator = RefinementIndicator.Gradient, CoarsenTolerance = 0.01 },
            spec.Training.Adaptivity);
        Assert.Equal(0.5, spec.Training.Spread);
        Assert.Equal(30, spec.Training.SpreadEpochs);
        var args = TrainArguments.From(spec).SelectMany(f => f.Value is null ? new[] { "--" + f.Key } : ["--" + f.Key, f.Value]);
        var parsed = ExperimentOptions.Parse(new CliArguments(args)) with { DeclaredInputs = null };
        Assert.Equal(JsonSerializer.Serialize(spec with { DeclaredInputs = null }, Fields), JsonSerializer.Serialize(parsed, Fields));
    }

    [Fact]
    public void TheSpecsKeptInTheRepositoryAreTheTablesOfTheCode()
    {
        string dir = RepositoryFolder("sweeps/thesis");
        var tables = ThesisTables.All.Where(t => !t.RequiresUserData).ToList();
        foreach (var table in tables)
        {
            string path = Path.Combine(dir, TableReport.FileStem(table.Id) + ".json");
            Assert.True(File.Exists(path), $"{path} is missing: regenerate with `nsg reproduce {table.Id} --write-spec {path}`");
            string expected = SweepSpecWriter.ToJson(ThesisSweeps.Build(table, new ReproduceOptions()));
            Assert.True(expected == File.ReadAllText(path), $"{path} is out of date: regenerate with `nsg reproduce {table.Id} --write-spec {path}`");
        }
        Assert.Equal(tables.Count, Directory.GetFiles(dir, "*.json").Length);
    }

    [Fact]
    public void NsgStarAndLiteratureCellsStayInTheTableWithoutRuns()
    {
        var spec = ThesisSweeps.Build(ThesisTables.Find("3.15")!, new ReproduceOptions());
        var statics = spec.Table!.Static;
        Assert.Contains(statics, c => c.Row == "NSG*" && c.Note == ThesisSweeps.NsgStarNote);
        Assert.DoesNotContain(spec.Axes[0].Values.SelectMany(v => v.Report!), c => c.Measure.StartsWith("NsgStar"));
        Assert.Equal(ThesisTables.Find("3.15")!.Cells(new TableContext(null)).Count, spec.Table.Order.Count);
        Assert.Equal(3, spec.Seeds.Count);
        Assert.Equal(10, ThesisSweeps.Build(ThesisTables.Find("3.11")!, new ReproduceOptions()).Seeds.Count);
    }

    internal static string RepositoryFolder(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        throw new DirectoryNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}

[Collection("Torch")]
public sealed class ThesisSweepRunTests
{
    private static TableDefinition Tiny()
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
                new ReproCell("level 3", "diameter (epoch 1)", Measure.DiameterEpoch1, null, moons),
                new ReproCell("lit", "x", Measure.TestMse, 0.5, null, "literature value"),
                new ReproCell("LS", "level 4", Measure.TestMse, 0.0088, swiss),
                new ReproCell("Bayes floor", "level 4", Measure.BayesTestMse, null, swiss),
            ],
        };
    }

    // The same table through the in-process runner and through sweep cells (nsg train by its options): identical figures.
    [Fact]
    public void ATableRunAsSweepCellsEqualsTheInProcessReproduction()
    {
        var options = new ReproduceOptions { Scale = new ReproductionScale(Epochs: 2, Count: 300, Seeds: 2) };
        var direct = ReproductionRunner.Run(Tiny(), options);
        var spec = ThesisSweeps.Build(Tiny(), options);
        Assert.Equal(4, spec.CellCount);
        var folder = new SweepFolder(Path.Combine(Path.GetTempPath(), "nsg-tsweep-" + Guid.NewGuid().ToString("N")));
        try
        {
            folder.Claim(spec);
            for (int i = 0; i < spec.CellCount; i++)
            {
                var (outcome, ran) = SweepCellRunner.Run(spec, i, folder, InProcessTrain);
                Assert.True(ran);
                Assert.Equal(CellStatus.Ok, outcome.Status);
            }
            var table = ThesisSweeps.Collect(SweepCollector.Collect(folder))!;
            Assert.Equal(direct.Cells.Select(c => (c.Cell.Row, c.Cell.Column)), table.Cells.Select(c => (c.Cell.Row, c.Cell.Column)));
            for (int k = 0; k < direct.Cells.Count; k++)
                Assert.True(direct.Cells[k].Values.SequenceEqual(table.Cells[k].Values),
                    $"{direct.Cells[k].Cell.Row}/{direct.Cells[k].Cell.Column}: in-process {string.Join(";", direct.Cells[k].Values)} vs sweep {string.Join(";", table.Cells[k].Values)}");
            Assert.Equal(TableReport.ToCsv(direct), TableReport.ToCsv(table));
            // A second pass runs nothing: every cell has its result.
            Assert.All(Enumerable.Range(0, spec.CellCount), i => Assert.False(SweepCellRunner.Run(spec, i, folder, InProcessTrain).Ran));
        }
        finally { Directory.Delete(folder.Root, recursive: true); }
    }

    [Fact]
    public void ACellWhoseTrainingThrowsRecordsTheExceptionsMessageNotItsLastStackFrame()
    {
        var spec = SweepSpecReader.Parse("""{ "name": "t", "base": { "data": "swissroll", "count": 200, "epochs": 1, "level": 3 }, "axes": { "latent": [2] } }""");
        var folder = new SweepFolder(Path.Combine(Path.GetTempPath(), "nsg-tsweep-" + Guid.NewGuid().ToString("N")));
        try
        {
            var outcome = SweepCellRunner.Run(spec, 0, folder, _ => throw new InvalidOperationException("the torch runtime went away")).Outcome;
            Assert.Equal(CellStatus.Failed, outcome.Status);
            Assert.Equal("nsg train threw InvalidOperationException: the torch runtime went away", outcome.Error);
            Assert.Contains(" at ", File.ReadAllText(Path.Combine(folder.Cell(0), "log.txt")));   // the trace is kept in the log
        }
        finally { Directory.Delete(folder.Root, recursive: true); }
    }

    [Fact]
    public void AFailingCellRecordsItsErrorAndTheOthersRun()
    {
        var spec = SweepSpecReader.Parse("""{ "name": "f", "base": { "data": "swissroll", "count": 200, "epochs": 1, "level": 3 }, "axes": { "latent": [2, 99] } }""");
        var folder = new SweepFolder(Path.Combine(Path.GetTempPath(), "nsg-fsweep-" + Guid.NewGuid().ToString("N")));
        try
        {
            var ok = SweepCellRunner.Run(spec, 0, folder, InProcessTrain).Outcome;
            var bad = SweepCellRunner.Run(spec, 1, folder, InProcessTrain).Outcome;
            Assert.Equal(CellStatus.Ok, ok.Status);
            Assert.Equal(CellStatus.Failed, bad.Status);
            Assert.Contains("--latent must be in [1, 64], got 99", bad.Error);
            var results = SweepCollector.Collect(folder);
            Assert.Equal(1, results.Failed);
            Assert.Equal("latent=2", results.Best!.Description);
            string csv = SweepCollector.ToCsv(results);
            Assert.Contains("failed", csv.Split('\n')[2]);
            // A failed cell is retried by the next pass; a finished one is not.
            Assert.True(SweepCellRunner.Run(spec, 1, folder, InProcessTrain).Ran);
            Assert.False(SweepCellRunner.Run(spec, 0, folder, InProcessTrain).Ran);
        }
        finally { Directory.Delete(folder.Root, recursive: true); }
    }

    internal static (int, string, string) InProcessTrain(IReadOnlyList<string> args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = CliApp.Run(["train", .. args], output, error);
        return (code, output.ToString(), error.ToString());
    }
}
