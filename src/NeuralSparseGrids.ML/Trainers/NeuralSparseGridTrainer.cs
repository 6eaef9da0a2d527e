using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// The ML.NET estimator of a Neural Sparse Grid (regression or multiclass classification). Created by
/// <c>mlContext.Regression.Trainers.NeuralSparseGrid(...)</c> or <c>mlContext.MulticlassClassification.Trainers.NeuralSparseGrid(...)</c>.
/// Fit reads the feature vectors and labels, holds out <see cref="NeuralSparseGridTrainerOptions.ValidationFraction"/>
/// (seeded) for the best epoch, trains with <see cref="NsgTrainer"/> and returns a <see cref="NeuralSparseGridTransformer"/>.
/// </summary>
public sealed class NeuralSparseGridTrainer : IEstimator<NeuralSparseGridTransformer>
{
    internal NeuralSparseGridTrainer(NeuralSparseGridTrainerOptions options, bool classification)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Classification = classification;
        if (options.ValidationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in [0, 1).");
    }

    /// <summary>The options.</summary>
    public NeuralSparseGridTrainerOptions Options { get; }

    /// <summary>True for the multiclass trainer.</summary>
    public bool Classification { get; }

    /// <inheritdoc />
    public NeuralSparseGridTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = Options;
        int width = MlNetData.FeatureWidth(input.Schema, o.FeatureColumnName);
        var (classes, classNames) = Classification ? MlNetData.KeyLabel(input.Schema, o.LabelColumnName) : (0, Array.Empty<string>());
        var (features, targets, labels, rows, _) = MlNetData.Read(input, o.FeatureColumnName, o.LabelColumnName, keyLabel: Classification);
        if (rows < 2) throw new InvalidOperationException($"The NSG trainer needs at least 2 usable rows, got {rows}.");
        var dataset = Classification
            ? Dataset.ForClassification(features, rows, width, labels, classNames)
            : Dataset.ForRegression(features, rows, width, ToColumn(targets), targetNames: [o.LabelColumnName]);

        TorchRuntime.EnsureLoaded();
        double validation = o.ValidationFraction;
        // Train/validation only (ML.NET keeps its own test data), scaled as PreparedData does: statistics of the training part.
        var parts = DatasetSplitter.Split(dataset, 1 - validation, validation, 0, o.Seed);
        var featureScaler = o.ScaleFeatures ? MinMaxScaler.FitFeatures(parts.Train) : null;
        var targetScaler = Classification ? null : MinMaxScaler.Fit(parts.Train.Targets!);
        var scaling = new DataScaling
        {
            Features = featureScaler?.ToState(), Targets = targetScaler?.ToState(), FeatureNames = dataset.FeatureNames,
            TargetNames = dataset.TargetNames, ClassNames = Classification ? dataset.ClassNames : [],
        };
        using var train = PreparedData.ToSplit(parts.Train, featureScaler, targetScaler);
        using var validationSplit = validation > 0 ? PreparedData.ToSplit(parts.Validation, featureScaler, targetScaler) : null;
        var config = o.ToModelConfig(width, Classification ? classes : 1, Classification);
        var model = NeuralSparseGrid.Create(config, o.Seed);
        try
        {
            var trainer = new NsgTrainer(model, o.ToTrainingOptions());
            trainer.Fit(train, validationSplit);
            model.eval();
            return new NeuralSparseGridTransformer(model, scaling, o, input.Schema);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = Options;
        var f = inputSchema.FirstOrDefault(c => c.Name == o.FeatureColumnName);
        if (f.Name == null || f.Kind != SchemaShape.Column.VectorKind.Vector || f.ItemType != NumberDataViewType.Single)
            throw new ArgumentException($"The NSG trainer needs a known-size float vector column '{o.FeatureColumnName}'.");
        var l = inputSchema.FirstOrDefault(c => c.Name == o.LabelColumnName);
        if (l.Name == null) throw new ArgumentException($"The NSG trainer needs a label column '{o.LabelColumnName}'.");
        if (Classification != l.IsKey)
            throw new ArgumentException(Classification
                ? $"Label column '{o.LabelColumnName}' must be a key type (use MapValueToKey)."
                : $"Label column '{o.LabelColumnName}' must be float, not a key.");
        var added = ScoreColumns.Shape(o, Classification, l.Annotations.Any(a => a.Name == MlNetData.AnnotationUtilsKeyValues));
        var names = added.Select(c => c.Name).ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    private static double[,] ToColumn(double[] values)
    {
        var m = new double[values.Length, 1];
        for (int i = 0; i < values.Length; i++) m[i, 0] = values[i];
        return m;
    }
}
