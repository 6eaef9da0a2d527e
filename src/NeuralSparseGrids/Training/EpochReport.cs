namespace NeuralSparseGrids.Training;

/// <summary>What one epoch produced. Only doubles: no tensors are kept in metrics.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (MSE or cross-entropy).</param>
/// <param name="ValidationLoss">Loss on the validation split (NaN without one).</param>
/// <param name="ValidationMetric">MSE (regression) or accuracy (classification) on the validation split.</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="Seconds">Wall time of the epoch including validation.</param>
/// <param name="Bursts">Loss bursts detected in this epoch.</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double ValidationLoss, double ValidationMetric,
    double LearningRate, double Seconds, int Bursts);
