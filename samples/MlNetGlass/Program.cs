// A Neural Sparse Grid in an ML.NET pipeline: load the glass data set (benchmark suite), map the text label to a
// key, standardise the features, train, cross-validate, save and load the model, predict (a batch, then one row).
// Usage: dotnet run --project samples/MlNetGlass -- PATH/glass.csv[.gz] [--epochs N] [--folds K] [--hidden 25,25]
//        [--latent D] [--level N] [--lr R] [--batch B] [--patience P] [--validation F] [--minmax]
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.ML.Trainers;

if (args.Length < 1 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("Usage: MlNetGlass PATH/glass.csv[.gz] [--epochs N] [--folds K]\n" +
                            "The glass data set ships with the benchmark suite (shared/datasets/benchmark/glass.csv.gz).");
    return 2;
}
string path = args[0];
if (!File.Exists(path))
{
    Console.Error.WriteLine($"Data file '{path}' does not exist. Pass the path of glass.csv or glass.csv.gz (R's write.csv layout: 9 numeric columns, then Type).");
    return 2;
}
int epochs = (int)Option("--epochs", 200), folds = (int)Option("--folds", 5);
var options = new NeuralSparseGridTrainerOptions
{
    HiddenLayers = Text("--hidden", "25,25").Split(',').Select(int.Parse).ToArray(), Latent = (int)Option("--latent", 2),
    Level = (int)Option("--level", 6), Epochs = epochs, LearningRate = Option("--lr", 0.01), BatchSize = (int)Option("--batch", 64),
    EarlyStoppingPatience = (int)Option("--patience", 0), ValidationFraction = Option("--validation", 0.25), Seed = 1,
};
bool minMax = args.Contains("--minmax");

// ML.NET's text loader does not read gzip: decompress to a temporary file first.
string csv = path;
if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
{
    csv = Path.GetTempFileName();
    using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    using var file = File.Create(csv);
    gz.CopyTo(file);
}

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<GlassRow>(csv, separatorChar: ',', hasHeader: true, allowQuoting: true);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(GlassRow.Type))
    .Append(minMax
        ? ml.Transforms.NormalizeMinMax("Features", nameof(GlassRow.Measurements), fixZero: false)   // `nsg train`'s scaling
        : ml.Transforms.NormalizeMeanVariance("Features", nameof(GlassRow.Measurements)))
    .Append(ml.MulticlassClassification.Trainers.NeuralSparseGrid(options))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedType", "PredictedLabel"));

var cv = ml.MulticlassClassification.CrossValidate(data, pipeline, numberOfFolds: folds, seed: 1);
var accuracies = cv.Select(f => f.Metrics.MicroAccuracy).OrderBy(a => a).ToArray();
Console.WriteLine($"{folds}-fold cross-validated accuracy: median {accuracies[accuracies.Length / 2]:F3}, range [{accuracies[0]:F3}, {accuracies[^1]:F3}]");

var model = pipeline.Fit(data);
string modelPath = Path.Combine(Path.GetTempPath(), "glass-nsg.zip");
ml.Model.SaveWithNeuralSparseGrids(model, data.Schema, modelPath);
var loaded = ml.Model.LoadWithNeuralSparseGrids(modelPath, out _);
foreach (var p in ml.Data.CreateEnumerable<GlassPrediction>(loaded.Transform(data), reuseRowObject: false).Take(5))
    Console.WriteLine($"true {p.Type}, predicted {p.PredictedType}, probabilities {string.Join(" ", p.Score.Select(s => s.ToString("F2")))}");
// One prediction at a time, as a service would make them (a PredictionEngine is not thread-safe: one per thread).
using (var engine = ml.Model.CreatePredictionEngine<GlassRow, GlassPrediction>(loaded))
{
    var glass = new GlassRow { Measurements = [1.52f, 13.6f, 4.49f, 1.1f, 71.78f, 0.06f, 8.75f, 0f, 0f] };
    var one = engine.Predict(glass);
    Console.WriteLine($"one glass ({string.Join(", ", glass.Measurements)}): predicted type {one.PredictedType}, " +
                      $"probability {one.Score.Max():F2}");
}
Console.WriteLine($"Model saved to {modelPath} (the NSG travels inside the zip).");
if (csv != path) File.Delete(csv);
return 0;

double Option(string name, double fallback) =>
    double.TryParse(Text(name, ""), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : fallback;

string Text(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

/// <summary>A row of glass.csv: nine measurements and the glass type.</summary>
public sealed class GlassRow
{
    [LoadColumn(0, 8)]
    [VectorType(9)]
    public float[] Measurements { get; set; } = [];

    [LoadColumn(9)]
    public string Type { get; set; } = "";
}

/// <summary>Prediction output.</summary>
public sealed class GlassPrediction
{
    public string Type { get; set; } = "";
    public string PredictedType { get; set; } = "";
    public float[] Score { get; set; } = [];
}
