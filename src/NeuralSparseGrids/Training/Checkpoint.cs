using System.Text.Json;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// A checkpoint directory: <c>state.json</c> (<see cref="TrainerState"/>), <c>model.bin</c> (parameters after the last
/// completed epoch), <c>best.bin</c> (best validation epoch), <c>optimizer.bin</c>, and after a finished run
/// <c>final.bin</c> (the parameters the run ended with). Every file is written atomically (temp file + rename) and
/// <c>state.json</c> last, so a crash mid-save leaves the previous complete checkpoint in place.
/// </summary>
public static class Checkpoint
{
    /// <summary>File names inside a checkpoint directory.</summary>
    public const string StateFile = "state.json", ModelFile = "model.bin", BestFile = "best.bin", OptimizerFile = "optimizer.bin", FinalFile = "final.bin";

    /// <summary>True if <paramref name="dir"/> holds a checkpoint.</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, StateFile)) && File.Exists(Path.Combine(dir, ModelFile));

    /// <summary>Reads the JSON state; throws <see cref="InvalidDataException"/> naming the file when it is unreadable.</summary>
    public static TrainerState ReadState(string dir)
    {
        string path = Path.Combine(dir, StateFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint in '{dir}': {StateFile} is missing.", path);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), JsonSettings.Options)
                   ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid checkpoint state (line {e.LineNumber}): {e.Message}", e);
        }
    }

    /// <summary>Writes the JSON state atomically.</summary>
    public static void WriteState(string dir, TrainerState state) =>
        AtomicFile.WriteAllText(Path.Combine(dir, StateFile), JsonSerializer.Serialize(state, JsonSettings.Options));

    /// <summary>Saves module parameters atomically to <paramref name="file"/> inside <paramref name="dir"/>.</summary>
    public static void SaveModule(string dir, string file, nn.Module module) =>
        AtomicFile.Write(Path.Combine(dir, file), temp => module.save(temp));

    /// <summary>
    /// Loads a trained model for evaluation or prediction in a fresh process: rebuilds it from the stored
    /// configuration and loads final.bin (else best.bin, else model.bin).
    /// </summary>
    public static (NeuralSparseGrid Model, TrainerState State) LoadModel(string dir)
    {
        var state = ReadState(dir);
        var model = NeuralSparseGrid.Create(state.Model, state.Options.Seed);
        string file = new[] { FinalFile, BestFile, ModelFile }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists)
                      ?? throw new FileNotFoundException($"No model parameters in '{dir}' ({FinalFile}, {BestFile} or {ModelFile}).");
        LoadParameters(model, file);
        model.eval();
        return (model, state);
    }

    /// <summary>
    /// Loads parameters saved by <see cref="SaveModule"/> into <paramref name="module"/>; a damaged or truncated
    /// file is an <see cref="InvalidDataException"/> that names it and the other parameter files of the run that
    /// could be used instead.
    /// </summary>
    public static void LoadParameters(nn.Module module, string path)
    {
        try
        {
            module.load(path);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            string dir = Path.GetDirectoryName(path) ?? ".";
            var others = new[] { BestFile, FinalFile, ModelFile }.Where(f => f != Path.GetFileName(path) && File.Exists(Path.Combine(dir, f))).ToArray();
            string hint = others.Length > 0
                ? $" The run also has {string.Join(" and ", others)}: copy one of them over {Path.GetFileName(path)} to resume from it (best.bin: the best validation epoch), or start a new run."
                : " Start a new run (or restore the file from a backup).";
            throw new InvalidDataException($"{path} is damaged or truncated and cannot be loaded ({e.Message}).{hint}", e);
        }
    }
}
