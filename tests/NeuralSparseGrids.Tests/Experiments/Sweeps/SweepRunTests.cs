using NeuralSparseGrids.Experiments;
using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments.Sweeps;
using NeuralSparseGrids.Tests.Cli;

namespace NeuralSparseGrids.Tests.Experiments.Sweeps;

/// <summary>`nsg sweep run` with real worker processes: interrupting and continuing, failures, collect and emit.</summary>
public sealed class SweepRunTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nsg-sweeprun-" + Guid.NewGuid().ToString("N"));

    private const string Spec = """
        { "name": "tiny", "base": { "data": "swissroll", "count": 300, "epochs": 3, "level": 3 },
          "axes": { "lr": [0.003, 0.01, 0.03], "method": ["gradient", "ls"] }, "seeds": [1] }
        """;

    public SweepRunTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void KillingARunMidwayAndRerunningFinishesOnlyTheMissingCells()
    {
        string spec = Path.Combine(_dir, "spec.json"), outDir = Path.Combine(_dir, "out");
        File.WriteAllText(spec, Spec);
        var folder = new SweepFolder(outDir);
        var nsg = NsgCommand.Resolve(null, typeof(CliApp).Assembly);
        var start = new ProcessStartInfo(nsg.Program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string w in nsg.Prefix.Concat(["sweep", "run", spec, "--workers", "1", "--out", outDir])) start.ArgumentList.Add(w);
        start.Environment["OMP_WAIT_POLICY"] = "passive";
        using (var runner = Process.Start(start)!)
        {
            runner.BeginErrorReadLine();
            runner.BeginOutputReadLine();
            var watch = Stopwatch.StartNew();
            while (Finished(folder) < 2 && !runner.HasExited && watch.Elapsed < TimeSpan.FromMinutes(4)) Thread.Sleep(100);
            Assert.False(runner.HasExited, "the sweep finished before it could be interrupted");
            runner.Kill(); // SIGKILL to the runner alone: its worker must notice and stop by itself.
            runner.WaitForExit();
        }
        Thread.Sleep(3000); // the orphaned worker checks for its parent every second
        var before = Enumerable.Range(0, 6).Where(i => File.Exists(folder.Result(i))).ToDictionary(i => i, i => File.ReadAllText(folder.Result(i)));
        Assert.InRange(before.Count, 2, 5);

        var (code, output, error) = CliRun.Run("sweep", "run", spec, "--workers", "2", "--out", outDir, "--json");
        Assert.True(code == 0, error);
        var run = CliRun.LastJson(output).GetProperty("run");
        Assert.Equal(6 - before.Count, run.GetProperty("ran").GetInt32());
        Assert.Equal(before.Count, run.GetProperty("skipped").GetInt32());
        foreach (var (i, text) in before) Assert.Equal(text, File.ReadAllText(folder.Result(i)));
        Assert.Equal(6, Finished(folder));
        Assert.True(File.Exists(Path.Combine(outDir, "heatmap-test.png")));
        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.Equal(7, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.Contains(",ok,", line));
    }

    [Fact]
    public void WorkersRecordAFailedCellAndTheRunReportsIt()
    {
        string spec = Path.Combine(_dir, "bad.json"), outDir = Path.Combine(_dir, "bad");
        File.WriteAllText(spec, """{ "name": "bad", "base": { "data": "swissroll", "count": 200, "epochs": 1, "level": 3 }, "axes": { "split": ["0.6,0.2,0.2", "0.5,0.5"] } }""");
        var (code, _, error) = CliRun.Run("sweep", "run", spec, "--workers", "2", "--out", outDir);
        Assert.Equal(CliApp.Failure, code);
        Assert.Contains("1 failed", error);
        var folder = new SweepFolder(outDir);
        Assert.Equal(CellStatus.Ok, folder.ReadResult(0)!.Status);
        var failed = folder.ReadResult(1)!;
        Assert.Equal(CellStatus.Failed, failed.Status);
        Assert.Contains("--split expects three", failed.Error);
        // The folder belongs to this spec: another spec is refused instead of mixing results.
        File.WriteAllText(spec, """{ "name": "bad", "base": { "data": "twomoons" }, "axes": { "level": [3, 4] } }""");
        var (code2, _, error2) = CliRun.Run("sweep", "run", spec, "--out", outDir);
        Assert.Equal(CliApp.Failure, code2);
        Assert.Contains("different sweep spec", error2);
    }

    [Fact]
    public void EmitWritesTheSlurmScriptAndOnlyMissingNarrowsTheArray()
    {
        string spec = Path.Combine(_dir, "e.json"), outDir = Path.Combine(_dir, "e");
        File.WriteAllText(spec, Spec);
        var (code, output, error) = CliRun.Run("sweep", "emit", spec, "--scheduler", "slurm", "--out", outDir, "--parallel", "3", "--nsg", "/opt/nsg/nsg", "--json");
        Assert.True(code == 0, error);
        var json = CliRun.LastJson(output);
        Assert.Equal(6, json.GetProperty("cells").GetInt32());
        string script = File.ReadAllText(Path.Combine(outDir, "sweep.slurm"));
        Assert.Contains("#SBATCH --array=0-5%3", script);
        Assert.Contains("/opt/nsg/nsg sweep cell", script);
        Assert.Equal("/opt/nsg/nsg sweep collect " + Path.GetFullPath(outDir), json.GetProperty("collect").GetString());
        Assert.True(Directory.Exists(Path.Combine(outDir, "logs")));
        // Pretend cells 0 and 3 finished: --only-missing submits the rest.
        var folder = new SweepFolder(outDir);
        foreach (int i in new[] { 0, 3 })
        {
            Directory.CreateDirectory(folder.Cell(i));
            File.WriteAllText(folder.Result(i), System.Text.Json.JsonSerializer.Serialize(new SweepCellOutcome { Index = i, Status = CellStatus.Ok }, SweepJson.Options));
        }
        Assert.Equal(0, CliRun.Run("sweep", "emit", spec, "--scheduler", "slurm", "--out", outDir, "--only-missing").Code);
        Assert.Contains("#SBATCH --array=1-2,4-5\n", File.ReadAllText(Path.Combine(outDir, "sweep.slurm")));
        var (k8s, _, k8sError) = CliRun.Run("sweep", "emit", spec, "--scheduler", "kubernetes", "--out", outDir);
        Assert.Equal(CliApp.Failure, k8s);
        Assert.Contains("--image", k8sError);
    }

    private static int Finished(SweepFolder folder) => Enumerable.Range(0, 6).Count(i => File.Exists(folder.Result(i)));
}

public sealed class TuneCommandTests
{
    [Fact]
    public void TuneRunsTheDefaultsAndRandomCandidatesAndWritesTheWinnerWithItsModel()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nsg-tune-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, error) = CliRun.Run("tune", "--data", "swissroll", "--budget", "3", "--epochs", "2", "--out", dir, "--workers", "2", "--json");
            Assert.True(code == 0, error);
            var tuned = CliRun.LastJson(output);
            var results = SweepCollector.Collect(new SweepFolder(dir));
            Assert.Equal(3, results.Cells.Count);
            Assert.Equal(TuneSpace.Defaults, results.Cells[0]!.Values[TuneSpace.Axis]);
            // Selection on validation only: the winner has the best validation MSE of the candidates.
            double best = results.Cells.Min(c => c!.Number("validation.mse")!.Value);
            Assert.Equal(best, tuned.GetProperty("validation").GetDouble());
            Assert.StartsWith("nsg train --data swissroll --epochs 2", tuned.GetProperty("train").GetString());
            Assert.True(File.Exists(Path.Combine(dir, "tuned.json")));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir, "tuned-model")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TuneSpaceDrawsDifferentCandidatesAfterTheDefaults()
    {
        var spec = TuneSpace.Build("t", [new("data", "x.csv")], new DataShape(13, 506, 0), 20, 1, [1], "validation.mse");
        var candidates = spec.Axes[0].Values;
        Assert.Equal(20, candidates.Count);
        Assert.Empty(candidates[0].Settings);
        Assert.Equal(19, candidates.Skip(1).Select(c => c.Label).Distinct().Count());
        Assert.All(candidates.Skip(1), c => Assert.StartsWith("13,", c.Settings.Single(s => s.Key == "encoder").Value));
    }

    // The ranges are rules on the shape, centred on nsg train's defaults for it: letter's 26 classes get latent 5..8
    // around the default 6, a 200-row set grids of at most ~100 points and nothing coarser than level 2.
    [Theory]
    [InlineData(16, 20000, 26)]
    [InlineData(9, 214, 6)]
    [InlineData(401, 60, 0)]
    public void TuneSpaceRangesFollowTheDataShapeAroundTheDefaults(int inputs, int rows, int classes)
    {
        var d = FileDataDefaults.For(inputs, rows, classes);
        var candidates = TuneSpace.Candidates(new DataShape(inputs, rows, classes), 40, 7);
        long pointBudget = Math.Min(FileDataDefaults.MaxGridPoints, Math.Max(FileDataDefaults.MinGridPoints, rows / 2));
        foreach (var c in candidates.Skip(1))
        {
            var s = c.Settings.ToDictionary(p => p.Key, p => p.Value!);
            int latent = int.Parse(s["latent"]), level = int.Parse(s["level"]);
            Assert.InRange(latent, Math.Max(2, d.Latent - 1), d.Latent + 2);
            Assert.InRange(level, 2, 8);
            // At most one level finer than the finest grid within the default's point budget.
            Assert.True(level == 2 || NeuralSparseGrids.Grids.GridSize.Points(latent, level - 1, NeuralSparseGrids.Grids.GridType.Linear) <= pointBudget, c.Label);
            Assert.InRange(double.Parse(s["lr"], System.Globalization.CultureInfo.InvariantCulture), d.LearningRate / 3 * 0.99, d.LearningRate * 3 * 1.01);
            var widths = s["encoder"].Split(',').Select(int.Parse).ToArray();
            Assert.Equal(inputs, widths[0]);
            Assert.All(widths.Skip(1), w => Assert.Contains(w, new[] { d.HiddenLayers[0] / 2, d.HiddenLayers[0], 2 * d.HiddenLayers[0] }));
            Assert.Contains(int.Parse(s["batch"]), new[] { Math.Max(8, d.BatchSize / 2), d.BatchSize, 2 * d.BatchSize });
        }
        // The same seed draws the same candidates; another seed others.
        Assert.Equal(candidates.Select(c => c.Label), TuneSpace.Candidates(new DataShape(inputs, rows, classes), 40, 7).Select(c => c.Label));
        Assert.NotEqual(candidates.Select(c => c.Label), TuneSpace.Candidates(new DataShape(inputs, rows, classes), 40, 8).Select(c => c.Label));
    }
}
