using System.Diagnostics;
using System.Text.Json;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>Runs `nsg train` with the given arguments and returns its exit code and output (stdout, stderr).</summary>
public delegate (int ExitCode, string Output, string Error) TrainInvoker(IReadOnlyList<string> arguments);

/// <summary>Thrown when another process is running the same cell (its lock is held).</summary>
public sealed class SweepCellBusyException(string message) : Exception(message);

/// <summary>
/// Runs one cell: takes the cell's lock, trains with `nsg train ARGS --out cells/cell-I/run --json --no-plots` through
/// <see cref="TrainInvoker"/>, and writes cells/cell-I/result.json atomically, also when training failed (the error is
/// recorded; the other cells are unaffected). A cell with a result is not run again unless <c>force</c> is set.
/// </summary>
public static class SweepCellRunner
{
    /// <summary>Exit code of `nsg sweep cell` when the cell is locked by another process.</summary>
    public const int BusyExitCode = 3;

    /// <summary>Runs cell <paramref name="index"/> of <paramref name="spec"/> in <paramref name="folder"/>.</summary>
    /// <returns>The outcome, and whether it ran (false: an earlier result was kept).</returns>
    public static (SweepCellOutcome Outcome, bool Ran) Run(SweepSpec spec, int index, SweepFolder folder, TrainInvoker train, bool force = false)
    {
        var cells = spec.Cells();
        if (index < 0 || index >= cells.Count) throw new ArgumentException($"Cell index {index} is out of range: the sweep has {cells.Count} cells (0-{cells.Count - 1}).");
        var cell = cells[index];
        folder.Claim(spec);
        string dir = folder.Cell(index);
        Directory.CreateDirectory(dir);
        using var cellLock = Lock(dir, index);
        var previous = folder.ReadResult(index);
        if (previous != null && previous.Status != CellStatus.Failed && !force) return (previous, false);

        // A killed attempt may have left a partial run: start the cell afresh, so its figures depend on the seed alone.
        string runDir = Path.Combine(dir, "run");
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        var arguments = cell.Arguments.Concat(["--out", runDir, "--json"]).ToList();
        if (!arguments.Contains("--no-plots")) arguments.Add("--no-plots");

        var watch = Stopwatch.StartNew();
        int code;
        string output, error;
        // A thrown exception's message leads the cell's error (its tail would be stack frames only); log.txt has it all.
        string? thrown = null;
        try { (code, output, error) = train(arguments); }
        catch (Exception e) { (code, output, error, thrown) = (-1, "", e.ToString(), $"nsg train threw {e.GetType().Name}: {e.Message}"); }
        watch.Stop();
        IO.AtomicFile.WriteAllText(Path.Combine(dir, "log.txt"), $"$ nsg train {string.Join(' ', arguments)}\n{error}{output}");

        JsonElement? result = LastJsonLine(output);
        string? divergence = result is JsonElement r && r.TryGetProperty("divergence", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        string status = result is null ? CellStatus.Failed : divergence != null ? CellStatus.Diverged : CellStatus.Ok;
        var outcome = SweepCellOutcome.For(cell) with
        {
            Status = status,
            Error = status == CellStatus.Failed ? thrown ?? Tail(error.Length > 0 ? error : output, $"nsg train exited with code {code} and no result") : divergence,
            ExitCode = code,
            Seconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            Result = result,
        };
        IO.AtomicFile.WriteAllText(folder.Result(index), JsonSerializer.Serialize(outcome, SweepJson.Options));
        return (outcome, true);
    }

    // An exclusive lock (flock on Unix) for as long as the cell runs: a second runner of the same folder gets a clear
    // "busy" instead of racing on the cell's files. The OS drops it when the process dies.
    private static FileStream Lock(string dir, int index)
    {
        try { return new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { throw new SweepCellBusyException($"Cell {index} is being run by another process ({dir}/.lock is held)."); }
    }

    private static JsonElement? LastJsonLine(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[^1].StartsWith('{')) return null;
        try
        {
            using var doc = JsonDocument.Parse(lines[^1]);
            return doc.RootElement.Clone();
        }
        catch (JsonException) { return null; }
    }

    private static string Tail(string text, string fallback)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? fallback : string.Join("\n", lines.TakeLast(8));
    }
}
