using System.Runtime.InteropServices;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Experiments.Sweeps;
using NeuralSparseGrids.Reproduction;
using Spectre.Console;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg sweep run|cell|collect|emit`: parameter sweeps as independent cells, locally or on Slurm/Kubernetes.</summary>
public sealed class SweepCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "sweep";

    /// <inheritdoc />
    public string Summary => "Run a sweep spec (axes, random search, seeds) locally or on Slurm/Kubernetes, and collect it.";

    /// <inheritdoc />
    public string Usage =>
        "nsg sweep run SPEC [--workers N] [--out DIR] [--threads T] [--nsg \"COMMAND\"] [--json]   run every cell with N worker processes\n" +
        "nsg sweep cell SPEC --index I --out DIR [--threads T]                     run one cell (what a scheduler task calls)\n" +
        "nsg sweep collect DIR [--json]                                            results.{md,csv,json} (+ heatmaps for 2 axes)\n" +
        "nsg sweep emit SPEC --scheduler slurm|kubernetes --out DIR [options]      a Slurm array script or Kubernetes Indexed Job\n\n" +
        "SPEC is a JSON file: base `nsg train` options, axes (lists, ranges), random search, seeds (docs/sweeps.md).\n" +
        "Cells write DIR/cells/cell-NNNN/result.json atomically; a rerun skips finished cells and retries failed ones.\n\n" +
        "  --workers N                  run: worker processes (default: the number of cores)\n" +
        "  --out DIR                    the sweep folder (run default: runs/sweeps/NAME)\n" +
        "  --threads T                  cell: torch threads (1; run: cores / workers). Figures are bit-identical only between\n" +
        "                               runs with the same T (1 everywhere by default)\n" +
        ClusterArguments.Usage;

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string sub = args.Positional() ?? throw new CliUsageException("Which? nsg sweep run|cell|collect|emit (nsg sweep --help).");
        return sub switch
        {
            "run" => RunLocal(args, context),
            "cell" => RunCell(args, context),
            "collect" => Collect(args, context),
            "emit" => Emit(args, context),
            _ => throw new CliUsageException($"Unknown sweep command '{sub}': run, cell, collect or emit."),
        };
    }

    private static SweepSpec ReadSpec(CliArguments args)
    {
        string path = args.Positional() ?? throw new CliUsageException("Which sweep spec? Give the JSON file after the sweep command.");
        return SweepSpecReader.ReadFile(path);
    }

    private static int RunLocal(CliArguments args, CliContext context)
    {
        var spec = ReadSpec(args);
        int workers = args.Int("workers", Environment.ProcessorCount, 1, 1024);
        var folder = new SweepFolder(args.String("out", Path.Combine("runs", "sweeps", spec.Name))!);
        var nsg = NsgCommand.Resolve(args.String("nsg"), typeof(CliApp).Assembly);
        int? threads = args.String("threads") is null ? null : args.Int("threads", 1, 1, 4096);
        args.EnsureAllConsumed();
        return RunAndCollect(spec, folder, nsg, workers, context, threads);
    }

    /// <summary>Runs the sweep with local workers (progress bar or log lines), then collects it. Used by reproduce and tune too.</summary>
    public static int RunAndCollect(SweepSpec spec, SweepFolder folder, NsgCommand nsg, int workers, CliContext context, int? threads = null)
    {
        LocalSweepRunner Runner(Action<LocalCellReport, int, int> onCell) => new(spec, folder, nsg, workers, threads) { OnCell = onCell };
        using var cancel = new CancellationTokenSource();
        // Ctrl-C / SIGTERM: stop the workers (their cells stay missing; a rerun continues).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
        context.Error.WriteLine($"Sweep {spec.Name}: {spec.CellCount} cells, {workers} worker(s), folder {folder.Root}");
        LocalRunSummary summary;
        if (context.Interactive)
        {
            summary = null!;
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"{spec.Name}", maxValue: spec.CellCount);
                    summary = Runner((r, done, _) => { task.Value = done; task.Description = $"{Markup.Escape(spec.Name)} [grey]{Markup.Escape(Line(r))}[/]"; }).Run(cancel.Token);
                });
        }
        else
        {
            summary = Runner((r, done, total) => { if (r.Ran) context.Error.WriteLine($"[{done}/{total}] {Line(r)}"); }).Run(cancel.Token);
        }
        var results = SweepCollector.Collect(folder);
        var files = SweepCollector.Write(results, folder).ToList();
        if (ThesisSweeps.Collect(results) is { } table)
        {
            var (csv, md) = TableReport.Write(table, folder.Root);
            files.AddRange([csv, md]);
        }
        Report(results, files, context, new { ran = summary.Ran, skipped = summary.Skipped, missing = summary.Missing, seconds = summary.Seconds, workers });
        if (cancel.IsCancellationRequested)
        {
            context.Error.WriteLine($"Interrupted: {summary.Missing} cell(s) missing. Run the same command again to finish them.");
            return 130;
        }
        context.Error.WriteLine($"Ran {summary.Ran} cell(s), skipped {summary.Skipped} finished, {summary.Failed} failed, in {summary.Seconds:F1} s.");
        return summary.Failed > 0 ? CliApp.Failure : 0;
    }

    private static string Line(LocalCellReport r)
    {
        var o = r.Outcome;
        if (o is null) return $"cell {r.Index}: missing";
        string what = string.Join(", ", o.Values.Select(kv => $"{kv.Key}={kv.Value}"));
        string figure = o.Status == CellStatus.Failed ? "failed: " + (o.Error ?? "").Split('\n')[^1]
            : o.Number("validation.accuracy") is double acc ? $"validation accuracy {acc:F4}" : $"validation MSE {o.Number("validation.mse"):G4}";
        return $"cell {r.Index} {what} seed {o.Seed}: {(o.Status == CellStatus.Diverged ? "diverged, " : "")}{figure} ({o.Seconds:F1} s)";
    }

    private static int RunCell(CliArguments args, CliContext context)
    {
        var spec = ReadSpec(args);
        int index = args.Int("index", -1, 0, int.MaxValue);
        if (index < 0) throw new CliUsageException("--index I is required (the cell to run; Slurm: $SLURM_ARRAY_TASK_ID).");
        string outDir = args.Required("out");
        int? parent = args.String("parent-pid") is null ? null : args.Int("parent-pid", 0, 1, int.MaxValue);
        bool force = args.Flag("force");
        int threads = args.Int("threads", 1, 1, 4096);
        args.EnsureAllConsumed();
        if (parent is int pid) WatchParent(pid);
        // A fixed thread count per cell: the fused sparse grid kernel adds its per-thread partial sums in completion
        // order, so figures are reproducible to the last bit only at a fixed count (1: cluster and local runs agree).
        Native.TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(threads);
        var folder = new SweepFolder(outDir);
        SweepCellOutcome outcome;
        bool ran;
        try
        {
            (outcome, ran) = SweepCellRunner.Run(spec, index, folder, a =>
            {
                var (output, error) = (new StringWriter(), new StringWriter());
                int code = CliApp.Run(["train", .. a], output, error);
                return (code, output.ToString(), error.ToString());
            }, force);
        }
        catch (SweepCellBusyException e)
        {
            context.Error.WriteLine($"nsg sweep cell: {e.Message}");
            return SweepCellRunner.BusyExitCode;
        }
        if (context.Json) context.WriteJson(new { ran, outcome });
        else context.Out.WriteLine($"Cell {index} {(ran ? "" : "(already finished) ")}{outcome.Status}{(outcome.Error is null ? "" : ": " + outcome.Error)} -> {folder.Result(index)}");
        return outcome.Status == CellStatus.Failed ? CliApp.Failure : 0;
    }

    // A worker of `nsg sweep run` ends itself when the runner is gone (killed with SIGKILL), instead of training on as an orphan.
    private static void WatchParent(int pid)
    {
        new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(1000);
                bool alive;
                try { using var p = System.Diagnostics.Process.GetProcessById(pid); alive = !p.HasExited; }
                catch (ArgumentException) { alive = false; }
                if (!alive) Environment.Exit(137);
            }
        }) { IsBackground = true }.Start();
    }

    private static int Collect(CliArguments args, CliContext context)
    {
        string dir = args.Positional() ?? throw new CliUsageException("Which sweep folder? nsg sweep collect DIR.");
        args.EnsureAllConsumed();
        var folder = new SweepFolder(dir);
        var results = SweepCollector.Collect(folder);
        var files = SweepCollector.Write(results, folder).ToList();
        if (ThesisSweeps.Collect(results) is { } table)
        {
            var (csv, md) = TableReport.Write(table, folder.Root);
            files.AddRange([csv, md]);
            if (!context.Json) context.Out.WriteLine(TableReport.ToMarkdown(table));
        }
        Report(results, files, context, null);
        return results.Finished < results.Cells.Count ? CliApp.Failure : 0;
    }

    private static void Report(SweepResults results, IReadOnlyList<string> files, CliContext context, object? run)
    {
        if (context.Json)
        {
            context.WriteJson(new
            {
                name = results.Spec.Name, cells = results.Cells.Count, finished = results.Finished, failed = results.Failed,
                score = results.Score, best = results.Best, files, run,
            });
            return;
        }
        if (results.Spec.Table is null) context.Out.WriteLine(SweepCollector.ToMarkdown(results));
        context.Out.WriteLine($"{results.Finished} of {results.Cells.Count} cells finished ({results.Failed} failed). Written: {string.Join(", ", files.Select(Path.GetFileName))} in {Path.GetDirectoryName(files[0])}");
    }

    private static int Emit(CliArguments args, CliContext context)
    {
        var spec = ReadSpec(args);
        string scheduler = args.Choice("scheduler", "", ClusterArguments.Schedulers);
        if (scheduler == "") throw new CliUsageException("--scheduler slurm|kubernetes is required.");
        string outDir = args.Required("out");
        var (options, onlyMissing) = ClusterArguments.Parse(args);
        args.EnsureAllConsumed();
        return ClusterArguments.Emit(spec, new SweepFolder(outDir), scheduler, options, onlyMissing, context);
    }
}
