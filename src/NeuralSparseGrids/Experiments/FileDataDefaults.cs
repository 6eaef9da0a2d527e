using System.Numerics;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// The defaults of <c>nsg train</c> (and of the `nsg` and `ann` methods of <c>nsg compare</c>) for a user's data file,
/// from rules on the data's shape only (never per file): encoded input width D, rows N, classes K (0 for regression).
/// Explicit command-line options win over every value.
/// </summary>
/// <param name="HiddenLayers">MLP hidden widths.</param>
/// <param name="Latent">Latent (sparse grid) dimension d.</param>
/// <param name="Level">Sparse grid level n.</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="Epochs">Most epochs.</param>
/// <param name="Patience">Early stopping: epochs without a validation improvement (the best epoch is restored).</param>
/// <param name="BatchSize">Mini-batch size.</param>
public sealed record FileDataDefaults(int[] HiddenLayers, int Latent, int Level, double LearningRate, int Epochs, int Patience, int BatchSize)
{
    /// <summary>Largest grid (points) the rule picks; the level is the highest whose grid stays below it.</summary>
    public const long MaxGridPoints = 3000;

    /// <summary>Grid points allowed however few rows there are.</summary>
    public const long MinGridPoints = 64;

    /// <summary>Optimiser steps an epoch should have at least: the batch is halved (down to <see cref="MinBatch"/>) until it has.</summary>
    public const int MinStepsPerEpoch = 8;

    /// <summary>Smallest batch the rule picks.</summary>
    public const int MinBatch = 16;

    /// <summary>The defaults for <paramref name="inputs"/> encoded columns, <paramref name="rows"/> rows and <paramref name="classes"/> classes (0: regression).</summary>
    public static FileDataDefaults For(int inputs, int rows, int classes)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "At least one input column is needed.");
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row is needed.");
        // Two hidden layers, twice the inputs wide within [128, 256]: on letter recognition (16 inputs, 26 classes)
        // widths 32 -> 128 took the NSG from 0.927 to 0.946 test accuracy; early stopping keeps small sets from overfitting.
        int width = Math.Clamp(2 * inputs, 128, 256);
        // Latent: about log2 K + 1 directions to place K classes apart (2 for two classes, 6 for 26), 3 for regression.
        int latent = classes >= 2 ? Math.Clamp((int)Math.Ceiling(Math.Log2(classes)) + 1, 2, 6) : 3;
        // Level: the finest grid with at most one point per two rows (at least MinGridPoints, at most MaxGridPoints).
        long budget = Math.Min(MaxGridPoints, Math.Max(MinGridPoints, rows / 2));
        int level = 2;
        while (level < 8 && Grids.GridSize.Points(latent, level + 1, Grids.GridType.Linear) <= budget) level++;
        // Batch about 1/50 of the training rows (a power of two in [32, 256]), halved down to 16 while an epoch would
        // have fewer than MinStepsPerEpoch steps: on servo, glass and sonar (117-150 training rows) an epoch at batch 32
        // is 4 Adam steps, and early stopping, which counts epochs, then stops on a handful of steps (servo RMSE 6.41 ->
        // 5.51, glass 0.688 -> 0.719 over 3 splits with batch 16). The learning rate grows with the square root of the
        // batch from 3e-3 at 32 (Adam) and stays 3e-3 below.
        int trainRows = Math.Max(1, (int)(0.7 * rows));
        int batch = Math.Clamp((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, trainRows / 50)), 32, 256);
        while (batch > MinBatch && trainRows / batch < MinStepsPerEpoch) batch /= 2;
        double lr = 3e-3 * Math.Sqrt(Math.Max(batch, 32) / 32.0);
        // Early stopping on validation loss, at most 200 epochs: patience 30 epochs below 1000 training rows (an epoch
        // is a few steps there), 20 from there (on letter recognition patience 10 stopped at 0.935; 20 reached 0.951
        // on 2 splits, at 3.5x the time).
        int patience = trainRows >= 1000 ? 20 : 30;
        return new FileDataDefaults([width, width], latent, level, Math.Round(lr, 4), 200, patience, batch);
    }
}
