using NeuralSparseGrids.IO;
using NeuralSparseGrids.Models;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>Writes a <see cref="NsgTrainer"/> run's checkpoint after each epoch and reads it back to resume.</summary>
internal static class TrainerCheckpoints
{
    /// <summary>
    /// Loads the model, optimizer and loop state of the checkpoint in <paramref name="dir"/> and merges its metadata
    /// into <paramref name="metadata"/>. Throws <see cref="InvalidOperationException"/> if there is none or it was
    /// written for another model configuration.
    /// </summary>
    public static (LoopState State, int Bursts) Resume(string? dir, NeuralSparseGrid model, IStepOptimizer optimizer, Dictionary<string, System.Text.Json.JsonElement> metadata)
    {
        if (dir == null || !Checkpoint.Exists(dir))
            throw new InvalidOperationException($"Cannot resume: no checkpoint in '{dir}'.");
        var saved = Checkpoint.ReadState(dir);
        if (!saved.Model.SameModelAs(model.Config))
            throw new InvalidOperationException("The checkpoint was written for a different model configuration; start a new run directory instead.");
        Checkpoint.LoadParameters(model, Path.Combine(dir, Checkpoint.ModelFile));
        if (File.Exists(Path.Combine(dir, Checkpoint.OptimizerFile))) optimizer.Load(Path.Combine(dir, Checkpoint.OptimizerFile));
        foreach (var (k, v) in saved.Metadata) metadata.TryAdd(k, v);
        var state = new LoopState { Epoch = saved.Epoch, History = [.. saved.History], BestEpoch = saved.BestEpoch, BestScore = saved.BestValidationLoss };
        if (File.Exists(Path.Combine(dir, Checkpoint.BestFile)))
        {
            var current = ParameterSnapshot.Take(model);
            Checkpoint.LoadParameters(model, Path.Combine(dir, Checkpoint.BestFile));
            state.Best = ParameterSnapshot.Take(model);
            ParameterSnapshot.Restore(model, current);
            current.Dispose();
        }
        return (state, saved.Bursts);
    }

    /// <summary>
    /// Before the optimizer is built for a resumed run: when the checkpoint in <paramref name="dir"/> holds an adapted
    /// grid (<see cref="GridConfig.Subspaces"/>), rebuilds <paramref name="model"/>'s layer on it (its parameters
    /// are loaded by <see cref="Resume"/> afterwards). Returns the checkpoint's state (null when there is none;
    /// <see cref="Resume"/> then explains).
    /// </summary>
    public static TrainerState? AdoptGrid(string? dir, NeuralSparseGrid model)
    {
        if (dir == null || !Checkpoint.Exists(dir)) return null;
        var saved = Checkpoint.ReadState(dir);
        if (saved.Model.Grid.Subspaces is null || !saved.Model.SameModelAs(model.Config) || model.Config.Head != HeadKind.SparseGrid) return saved;
        var grid = saved.Model.CreateGrid();
        model.ChangeGrid(grid, Grids.GridRemap.PointSources(model.Grid, grid)).Dispose();
        return saved;
    }

    /// <summary>
    /// Writes model, optimizer, best parameters (when this epoch is the best, or <paramref name="bestChanged"/>: the
    /// grid changed, so the stored best parameters must be rewritten on the new grid) and state.json, atomically and
    /// state last.
    /// </summary>
    public static void Save(string dir, NeuralSparseGrid model, IStepOptimizer optimizer, TrainingOptions options, LoopState state,
        int bursts, Dictionary<string, System.Text.Json.JsonElement> metadata, IReadOnlyList<GridRefinement>? refinements = null, bool bestChanged = false)
    {
        Directory.CreateDirectory(dir);
        Checkpoint.SaveModule(dir, Checkpoint.ModelFile, model);
        AtomicFile.Write(Path.Combine(dir, Checkpoint.OptimizerFile), optimizer.Save);
        if (state.Best != null && state.BestEpoch == state.Epoch) Checkpoint.SaveModule(dir, Checkpoint.BestFile, model);
        else if (state.Best != null && bestChanged) SaveSnapshot(dir, Checkpoint.BestFile, model, state.Best);
        Checkpoint.WriteState(dir, new TrainerState
        {
            Model = model.Config,
            Options = options,
            Epoch = state.Epoch,
            History = [.. state.History],
            BestEpoch = state.BestEpoch,
            BestValidationLoss = state.BestScore,
            Bursts = bursts,
            Metadata = new(metadata),
            Refinements = [.. refinements ?? []],
        });
    }

    // Saves the parameters of a snapshot through the model (whose own parameters are restored afterwards).
    private static void SaveSnapshot(string dir, string file, NeuralSparseGrid model, Dictionary<string, TorchSharp.torch.Tensor> snapshot)
    {
        var current = ParameterSnapshot.Take(model);
        try
        {
            ParameterSnapshot.Restore(model, snapshot);
            Checkpoint.SaveModule(dir, file, model);
        }
        finally
        {
            ParameterSnapshot.Restore(model, current);
            current.Dispose();
        }
    }

}
