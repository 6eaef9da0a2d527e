namespace NeuralSparseGrids.Training;

/// <summary>What <see cref="NsgTrainer"/> needs of an optimizer: clear gradients, step, set the rate, save and load state.</summary>
public interface IStepOptimizer : IDisposable
{
    /// <summary>Clears the gradients of all parameters.</summary>
    void ZeroGrad();

    /// <summary>Updates the parameters from their gradients.</summary>
    void Step();

    /// <summary>Sets the base learning rate (parameter groups keep their scale factors).</summary>
    void SetLearningRate(double lr);

    /// <summary>Writes the optimizer state to <paramref name="path"/>.</summary>
    void Save(string path);

    /// <summary>Reads the optimizer state written by <see cref="Save"/>.</summary>
    void Load(string path);

    /// <summary>
    /// Optimizes <paramref name="replacement"/> instead of <paramref name="old"/> (a sparse grid's coefficients after
    /// the grid changed): its per-element state (moments, momentum) is the old state's row rowSources[p], or zero
    /// where that is -1 (<see cref="Grids.GridRemap.PointSources"/>); the step count and every other parameter's
    /// state stay. Nothing happens when <paramref name="old"/> is not optimized (LS/ILS train the encoder only).
    /// </summary>
    void ReplaceParameter(TorchSharp.Modules.Parameter old, TorchSharp.Modules.Parameter replacement, int[] rowSources);
}
