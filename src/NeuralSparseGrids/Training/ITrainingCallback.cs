using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Training;

/// <summary>Hooks into <see cref="NsgTrainer.Fit"/>. Called on the training thread; keep them cheap.</summary>
public interface ITrainingCallback
{
    /// <summary>Once before the first epoch: the model and the (scaled) training split it is fitted on.</summary>
    void OnFitStart(NeuralSparseGrid model, TrainingSplit train) { }

    /// <summary>After each batch: 1-based epoch, batch index, batches per epoch, batch loss.</summary>
    void OnBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) { }

    /// <summary>After each epoch's validation. The model holds this epoch's parameters.</summary>
    void OnEpochEnd(NeuralSparseGrid model, EpochReport report) { }
}
