using System.Text.Json;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// A data set split into train/validation/test, min-max scaled with statistics of the training split only
/// (thesis Eq. 3.19; regression targets too), as tensors ready for training. Owns its splits.
/// </summary>
public sealed class PreparedData : IDisposable
{
    private PreparedData(TrainingSplit train, TrainingSplit validation, TrainingSplit test, DataScaling scaling, Dataset testRaw)
    {
        Train = train; Validation = validation; Test = test; Scaling = scaling; TestRaw = testRaw;
    }

    /// <summary>Training split (scaled).</summary>
    public TrainingSplit Train { get; }

    /// <summary>Validation split (scaled).</summary>
    public TrainingSplit Validation { get; }

    /// <summary>Test split (scaled).</summary>
    public TrainingSplit Test { get; }

    /// <summary>The scaling fitted on the training split.</summary>
    public DataScaling Scaling { get; }

    /// <summary>The unscaled test split (for raw-unit metrics and plots).</summary>
    public Dataset TestRaw { get; }

    /// <summary>Number of input features.</summary>
    public int Inputs => (int)Train.X.shape[1];

    /// <summary>Regression or classification.</summary>
    public DatasetTask Task => TestRaw.Task;

    /// <summary>Regression outputs or classes.</summary>
    public int Outputs => Scaling.ClassNames.Length > 0 ? Scaling.ClassNames.Length : (int)Train.Y.shape[1];

    /// <summary>
    /// Splits <paramref name="data"/> by fractions (stratified for classification) with <paramref name="seed"/> and scales
    /// it. With <paramref name="scaleFeatures"/> false (images already in [0,1]) features are left as they are.
    /// </summary>
    public static PreparedData Create(Dataset data, double train, double validation, double test, int seed, bool scaleFeatures = true)
    {
        var split = DatasetSplitter.Split(data, train, validation, test, seed);
        DatasetSplitter.CheckNotEmpty(data.Rows, [split.Train.Rows, split.Validation.Rows, split.Test.Rows], [train, validation, test]);
        var features = scaleFeatures ? MinMaxScaler.FitFeatures(split.Train) : null;
        MinMaxScaler? targets = data.Task == DatasetTask.Regression ? MinMaxScaler.Fit(split.Train.Targets!) : null;
        var scaling = new DataScaling
        {
            Features = features?.ToState(),
            Targets = targets?.ToState(),
            FeatureNames = data.FeatureNames,
            TargetNames = data.TargetNames,
            ClassNames = data.Task == DatasetTask.Classification ? data.ClassNames : [],
        };
        return new PreparedData(ToSplit(split.Train, features, targets), ToSplit(split.Validation, features, targets),
            ToSplit(split.Test, features, targets), scaling, split.Test);
    }

    /// <summary>
    /// Splits a table file (stratified for classification) with <paramref name="seed"/>, fits its
    /// <see cref="TableEncoder"/> on the training split (one-hot maps, imputation, input scaling) and encodes all
    /// three splits; regression targets are min-max scaled with the training split as in <see cref="Create"/>.
    /// The same file, options, fractions and seed give the same splits, for every method that uses them;
    /// <paramref name="notes"/> receives what was decided (task and why, rows left out), for the console.
    /// </summary>
    public static PreparedData FromTable(RawTable table, TableOptions options, double train, double validation, double test, int seed,
        ICollection<string>? notes = null)
    {
        var split = TableSplit.Create(table, options, train, validation, test, seed, notes);
        MinMaxScaler? targets = split.Encoder.Task == DatasetTask.Regression ? MinMaxScaler.Fit(split.Train.Targets!) : null;
        var scaling = new DataScaling
        {
            Targets = targets?.ToState(),
            FeatureNames = split.Encoder.EncodedNames,
            TargetNames = [split.Encoder.Target],
            ClassNames = split.Encoder.ClassNames,
            Table = split.Encoder,
        };
        return new PreparedData(ToSplit(split.Train, null, targets), ToSplit(split.Validation, null, targets),
            ToSplit(split.Test, null, targets), scaling, split.Test);
    }

    /// <summary>Converts a data set to a tensor split with the given scalers.</summary>
    public static TrainingSplit ToSplit(Dataset data, MinMaxScaler? features, MinMaxScaler? targets)
    {
        double[] x = features?.Transform(data.Features, data.Rows) ?? data.Features;
        var xf = Array.ConvertAll(x, v => (float)v);
        if (data.Task == DatasetTask.Classification)
            return TrainingSplit.Classification(xf, data.Columns, data.Labels!, data.ClassCount);
        var y = targets?.Transform(data.Targets!) ?? data.Targets!;
        var yf = new float[y.Length];
        int k = 0;
        foreach (double v in y) yf[k++] = (float)v;
        return TrainingSplit.Regression(xf, data.Columns, yf, y.GetLength(1));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose(); Validation.Dispose(); Test.Dispose();
    }
}

/// <summary>Scaling and naming of a trained model's data, stored in its checkpoint so predictions use the same units.</summary>
public sealed record DataScaling
{
    /// <summary>Checkpoint metadata key.</summary>
    public const string MetadataKey = "dataScaling";

    /// <summary>Feature min-max statistics (null: features used as given).</summary>
    public MinMaxScalerState? Features { get; init; }

    /// <summary>Target min-max statistics (regression only).</summary>
    public MinMaxScalerState? Targets { get; init; }

    /// <summary>Feature names.</summary>
    public string[] FeatureNames { get; init; } = [];

    /// <summary>Target names (regression).</summary>
    public string[] TargetNames { get; init; } = [];

    /// <summary>Class names (classification).</summary>
    public string[] ClassNames { get; init; } = [];

    /// <summary>
    /// For table files: the fitted preprocessing from file columns to model inputs (then <see cref="Features"/> is
    /// null: the encoder scales); null for generated data, images and spectra.
    /// </summary>
    public TableEncoder? Table { get; init; }

    /// <summary>As checkpoint metadata.</summary>
    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, JsonSettings.Options);

    /// <summary>From checkpoint metadata; throws if absent.</summary>
    public static DataScaling FromState(TrainerState state) =>
        state.Metadata.TryGetValue(MetadataKey, out var e)
            ? e.Deserialize<DataScaling>(JsonSettings.Options) ?? throw new InvalidDataException("Empty data scaling in checkpoint.")
            : throw new InvalidDataException("The checkpoint has no data scaling; it was not written by an NSG experiment.");
}
