using Microsoft.ML;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>The NSG trainers on ML.NET's trainer catalogs.</summary>
public static class NeuralSparseGridCatalog
{
    /// <summary>
    /// A Neural Sparse Grid regressor: float label, known-size float feature vector; Score in the label's units.
    /// </summary>
    public static NeuralSparseGridTrainer NeuralSparseGrid(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null, int latent = 2, int level = 6,
        int epochs = 200, double learningRate = 0.01, int seed = 1) =>
        NeuralSparseGrid(catalog, Options(labelColumnName, featureColumnName, hiddenLayers, latent, level, epochs, learningRate, seed));

    /// <summary>A Neural Sparse Grid regressor with all options.</summary>
    public static NeuralSparseGridTrainer NeuralSparseGrid(this RegressionCatalog.RegressionTrainers catalog, NeuralSparseGridTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NeuralSparseGridTrainer(options, classification: false);
    }

    /// <summary>
    /// A Neural Sparse Grid classifier: key-typed label (MapValueToKey), known-size float feature vector; Score = class
    /// probabilities, PredictedLabel = key of the most probable class.
    /// </summary>
    public static NeuralSparseGridTrainer NeuralSparseGrid(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null, int latent = 2, int level = 6,
        int epochs = 200, double learningRate = 0.01, int seed = 1) =>
        NeuralSparseGrid(catalog, Options(labelColumnName, featureColumnName, hiddenLayers, latent, level, epochs, learningRate, seed));

    private static NeuralSparseGridTrainerOptions Options(string label, string features, int[]? hiddenLayers, int latent, int level,
        int epochs, double learningRate, int seed) => new()
    {
        LabelColumnName = label, FeatureColumnName = features, HiddenLayers = hiddenLayers ?? [25, 25],
        Latent = latent, Level = level, Epochs = epochs, LearningRate = learningRate, Seed = seed,
    };

    /// <summary>A Neural Sparse Grid classifier with all options.</summary>
    public static NeuralSparseGridTrainer NeuralSparseGrid(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, NeuralSparseGridTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NeuralSparseGridTrainer(options, classification: true);
    }
}
