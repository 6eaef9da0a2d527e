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
}
