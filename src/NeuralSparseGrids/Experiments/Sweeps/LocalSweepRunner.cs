using System.Diagnostics;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>What happened to one cell in a local run.</summary>
/// <param name="Index">Cell index.</param>
/// <param name="Outcome">Its result (null if the run was interrupted before it finished).</param>
/// <param name="Ran">False when an earlier result was kept.</param>
public sealed record LocalCellReport(int Index, SweepCellOutcome? Outcome, bool Ran);

/// <summary>Totals of a local run.</summary>
/// <param name="Cells">Cells in the sweep.</param>
/// <param name="Ran">Cells run now.</param>
/// <param name="Skipped">Cells that already had a result.</param>
/// <param name="Failed">Cells (of all) whose result is a failure.</param>
/// <param name="Missing">Cells without a result (interrupted).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record LocalRunSummary(int Cells, int Ran, int Skipped, int Failed, int Missing, double Seconds);

/// <summary>
/// Runs a sweep on this machine with N worker processes, each `nsg sweep cell SPEC --index I --out DIR` (one process per
/// cell, so a crash or leak cannot touch the others). Cells with a result are skipped (failed ones are retried), so an
/// interrupted run continues where it stopped. Cancelling kills the running workers; their cells stay missing.
/// </summary>
public sealed class LocalSweepRunner(SweepSpec spec, SweepFolder folder, NsgCommand nsg, int workers, int? threads = null)
{
    private static readonly TimeSpan BusyRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Torch threads per worker: the cores shared out (1 when workers >= cores, which keeps figures equal to a cluster run's).</summary>
    public int Threads { get; } = threads ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, workers));

    /// <summary>Called after each cell (ran or skipped), from worker threads one at a time.</summary>
    public Action<LocalCellReport, int, int>? OnCell { get; init; }

    /// <summary>Runs the missing cells; returns when all are done or <paramref name="cancel"/> fires.</summary>
    public LocalRunSummary Run(CancellationToken cancel = default)
    {
        if (workers < 1) throw new ArgumentException($"Workers must be at least 1 (got {workers}).");
        var watch = Stopwatch.StartNew();
        folder.Claim(spec);
        int count = spec.CellCount, finished = 0, ran = 0, skipped = 0;
        var gate = new object();
        var queue = new Queue<int>();
        for (int i = 0; i < count; i++)
        {
            var previous = folder.ReadResult(i);
            if (previous != null && previous.Status != CellStatus.Failed) { skipped++; finished++; OnCell?.Invoke(new LocalCellReport(i, previous, false), finished, count); }
            else queue.Enqueue(i);
        }

        void Worker()
        {
            while (!cancel.IsCancellationRequested)
            {
                int index;
                lock (gate) { if (!queue.TryDequeue(out index)) return; }
                var (code, error) = RunProcess(index, cancel);
                if (cancel.IsCancellationRequested) return;
                if (code == SweepCellRunner.BusyExitCode)
                {
                    // Another process (an orphaned worker of a killed run) holds the cell: come back to it later.
                    Thread.Sleep(BusyRetryDelay);
                    lock (gate) queue.Enqueue(index);
                    continue;
                }
                var outcome = folder.ReadResult(index) ?? RecordCrash(index, code, error);
                lock (gate)
                {
                    finished++;
                    ran++;
                    OnCell?.Invoke(new LocalCellReport(index, outcome, true), finished, count);
                }
            }
        }

        var threads = Enumerable.Range(0, Math.Min(workers, Math.Max(1, queue.Count))).Select(_ => new Thread(Worker) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var results = Enumerable.Range(0, count).Select(folder.ReadResult).ToList();
        return new LocalRunSummary(count, ran, skipped, results.Count(r => r?.Status == CellStatus.Failed), results.Count(r => r is null), watch.Elapsed.TotalSeconds);
    }

    private (int Code, string Error) RunProcess(int index, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(nsg.Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string word in nsg.Prefix) start.ArgumentList.Add(word);
        foreach (string word in new[] { "sweep", "cell", folder.SpecPath, "--index", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", folder.Root, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", Threads.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(word);
        foreach (var (name, value) in CellEnvironment.ForLocal(workers, Environment.ProcessorCount)) start.Environment[name] = value;
        using var process = new Process { StartInfo = start };
        var error = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (error) error.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e) { return (-1, $"Could not start '{nsg.ToShell()}': {e.Message}. Set --nsg or {NsgCommand.EnvironmentVariable}."); }
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        using (cancel.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            process.WaitForExit();
        lock (error) return (process.ExitCode, error.ToString());
    }

    // The worker died without writing its result (crash, out of memory, killed): record that, so the failure is visible.
    private SweepCellOutcome RecordCrash(int index, int code, string error)
    {
        var outcome = SweepCellOutcome.For(spec.Cells()[index]) with
        {
            Status = CellStatus.Failed,
            Error = $"worker exited with code {code} without a result: " + string.Join("\n", error.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8)),
            ExitCode = code,
        };
        Directory.CreateDirectory(folder.Cell(index));
        IO.AtomicFile.WriteAllText(folder.Result(index), System.Text.Json.JsonSerializer.Serialize(outcome, SweepJson.Options));
        return outcome;
    }
}
