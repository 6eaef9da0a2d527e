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

    /// <summary>The defaults for <paramref name="inputs"/> encoded columns, <paramref name="rows"/> rows and <paramref name="classes"/> classes (0: regression).</summary>
    public static FileDataDefaults For(int inputs, int rows, int classes)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "At least one input column is needed.");
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row is needed.");
        // Width: twice the inputs, within [32, 128]; two hidden layers.
        int width = Math.Clamp(2 * inputs, 32, 128);
        // Latent: enough directions to separate K classes (about log2 K + 1), 3 for regression.
        int latent = classes >= 2 ? Math.Clamp((int)Math.Ceiling(Math.Log2(classes)) + 1, 2, 6) : 3;
        int level = 2;
        long budget = Math.Min(MaxGridPoints, Math.Max(MinGridPoints, rows / 2));
        while (level < 8 && Grids.GridSize.Points(latent, level + 1, Grids.GridType.Linear) <= budget) level++;
        int batch = Math.Clamp(rows / 100, 32, 256);
        return new FileDataDefaults([width, width], latent, level, 3e-3, 300, 30, batch);
    }
}
