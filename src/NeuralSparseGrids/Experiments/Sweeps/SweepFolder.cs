using System.Globalization;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// The layout of a sweep's output folder (shared by local workers and cluster tasks):
/// spec.json (the canonical spec, written once), cells/cell-0007/{result.json, log.txt, run/}, logs/ (scheduler output),
/// results.{md,csv,json} and heatmap PNGs from `nsg sweep collect`.
/// </summary>
public sealed class SweepFolder(string root)
{
    /// <summary>Spec file name inside the folder.</summary>
    public const string SpecFileName = "spec.json";

    /// <summary>The folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The canonical spec copy.</summary>
    public string SpecPath => Path.Combine(Root, SpecFileName);

    /// <summary>Scheduler logs.</summary>
    public string Logs => Path.Combine(Root, "logs");

    /// <summary>Folder of cell <paramref name="index"/>.</summary>
    public string Cell(int index) => Path.Combine(Root, "cells", "cell-" + index.ToString("D4", CultureInfo.InvariantCulture));

    /// <summary>The result file of cell <paramref name="index"/> (exists once the cell finished, ok or failed).</summary>
    public string Result(int index) => Path.Combine(Cell(index), "result.json");

    /// <summary>
    /// Writes <paramref name="spec"/> as spec.json, or checks that the folder already holds the same spec: a changed
    /// spec would give old cells new meanings, so it is refused with a clear error.
    /// </summary>
    public void Claim(SweepSpec spec)
    {
        string text = SweepSpecWriter.ToJson(spec);
        Directory.CreateDirectory(Root);
        if (File.Exists(SpecPath))
        {
            if (File.ReadAllText(SpecPath) != text)
                throw new InvalidOperationException($"{Root} holds results of a different sweep spec ({SpecPath} differs). Use another --out folder, or delete it to start over.");
            return;
        }
        IO.AtomicFile.WriteAllText(SpecPath, text);
    }

    /// <summary>The result of cell <paramref name="index"/>, or null if it has none yet.</summary>
    public SweepCellOutcome? ReadResult(int index)
    {
        string path = Result(index);
        if (!File.Exists(path)) return null;
        try { return System.Text.Json.JsonSerializer.Deserialize<SweepCellOutcome>(File.ReadAllText(path), SweepJson.Options); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: unreadable cell result ({e.Message}); delete it to rerun the cell."); }
    }
}
