using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.ML.Trainers;
using NeuralSparseGrids.Tests.Data;

namespace NeuralSparseGrids.Tests.ML;

/// <summary>The ML.NET trainers in ML.NET pipelines: fit, transform, evaluate, cross-validate, save and load.</summary>
[Collection("Torch")]
public sealed class NeuralSparseGridTrainerTests
{
    public sealed class RegressionRow
    {
        public float X1 { get; set; }
        public float X2 { get; set; }
        public string Kind { get; set; } = "";
        public float Label { get; set; }
    }

    /// <summary>y = sin(3 x1) + x2^2 + offset(kind), with a categorical column.</summary>
    private static List<RegressionRow> Rows(int n, int seed)
    {
        var random = new Random(seed);
        var kinds = new[] { "a", "b", "c" };
        return Enumerable.Range(0, n).Select(_ =>
        {
            float x1 = (float)(random.NextDouble() * 4 - 2), x2 = (float)(random.NextDouble() * 10);
            int k = random.Next(3);
            return new RegressionRow { X1 = x1, X2 = x2, Kind = kinds[k], Label = (float)(10 + Math.Sin(1.5 * x1) + 0.03 * x2 * x2 + k) };
        }).ToList();
    }

    private static IEstimator<ITransformer> RegressionPipeline(MLContext ml, int epochs) =>
        ml.Transforms.Categorical.OneHotEncoding("KindOneHot", "Kind")
            .Append(ml.Transforms.Concatenate("Features", "X1", "X2", "KindOneHot"))
            .Append(ml.Transforms.NormalizeMinMax("Features", fixZero: false))
            .Append(ml.Regression.Trainers.NeuralSparseGrid(new NeuralSparseGridTrainerOptions
            {
                HiddenLayers = [16], Latent = 2, Level = 4, Epochs = epochs, LearningRate = 0.01, Seed = 3,
            }));

    [Fact]
    public void Regression_pipeline_learns_and_ml_net_metrics_equal_the_nsg_evaluation_on_the_same_rows()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Rows(400, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Rows(200, seed: 2));
        var model = RegressionPipeline(ml, epochs: 40).Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.Regression.Evaluate(scored);

        var labels = ml.Data.CreateEnumerable<RegressionRow>(test, false).Select(r => (double)r.Label).ToArray();
        double variance = labels.Select(v => (v - labels.Average()) * (v - labels.Average())).Average();
        Assert.True(metrics.MeanSquaredError < 0.2 * variance, $"MSE {metrics.MeanSquaredError:G4} vs label variance {variance:G4}");

        // `nsg evaluate` computes its metrics with ModelEvaluation.Evaluate on the model's scaled split: same rows, same numbers.
        var nsg = Assert.IsType<NeuralSparseGridTransformer>(((IEnumerable<ITransformer>)model).Last());
        var features = ml.Data.CreateEnumerable<FeatureRow>(model.Transform(test), false).ToList();
        var dataset = Dataset.ForRegression(features.SelectMany(f => f.Features.Select(v => (double)v)).ToArray(), features.Count, features[0].Features.Length,
            ToColumn(labels));
        using var split = PreparedData.ToSplit(dataset, null, MinMaxScaler.FromState(nsg.Scaling.Targets!));
        var expected = ModelEvaluation.Evaluate(nsg.Model, split, nsg.Scaling);
        Assert.Equal(expected.MseRaw!.Value, metrics.MeanSquaredError, 1e-6 * expected.MseRaw.Value);
        Assert.Equal(expected.MaeRaw!.Value, metrics.MeanAbsoluteError, 1e-6 * expected.MaeRaw.Value);
    }

    public sealed class FeatureRow
    {
        [VectorType]
        public float[] Features { get; set; } = [];
    }

    [Fact]
    public void Regression_cross_validation_and_save_load_round_trip()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(300, seed: 4));
        var folds = ml.Regression.CrossValidate(data, RegressionPipeline(ml, epochs: 10), numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(double.IsFinite(f.Metrics.RSquared)));

        var model = RegressionPipeline(ml, epochs: 10).Fit(data);
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "model.zip");
        var plain = Assert.Throws<InvalidOperationException>(() => ml.Model.Save(model, data.Schema, path));
        Assert.Contains("SaveWithNeuralSparseGrids", plain.Message);
        ml.Model.SaveWithNeuralSparseGrids(model, data.Schema, path);
        using (var zip = ZipFile.OpenRead(path)) Assert.NotNull(zip.GetEntry("NeuralSparseGrids/0.bin"));
        var loaded = ml.Model.LoadWithNeuralSparseGrids(path, out var schema);
        Assert.Equal(data.Schema.Count, schema.Count);
        var before = ml.Data.CreateEnumerable<ScoreRow>(model.Transform(data), false).Select(r => r.Score).ToArray();
        var after = ml.Data.CreateEnumerable<ScoreRow>(loaded.Transform(data), false).Select(r => r.Score).ToArray();
        Assert.Equal(before, after);
    }

    public sealed class ScoreRow
    {
        public float Score { get; set; }
    }

    [SkippableFact]
    public void Multiclass_pipeline_on_glass_with_key_labels_cross_validation_and_save_load()
    {
        string csv = GunzipToTemp(TestData.RequireShared("benchmark", "glass.csv.gz"));
        try
        {
            var ml = new MLContext(seed: 1);
            // A text loader from column definitions (the sample uses an attributed row class).
            var data = ml.Data.CreateTextLoader(
                [new TextLoader.Column("Measurements", DataKind.Single, 0, 8), new TextLoader.Column("Type", DataKind.String, 9)],
                separatorChar: ',', hasHeader: true, allowQuoting: true).Load(csv);
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Type")
                .Append(ml.Transforms.NormalizeMeanVariance("Features", "Measurements"))
                .Append(ml.MulticlassClassification.Trainers.NeuralSparseGrid(new NeuralSparseGridTrainerOptions
                {
                    HiddenLayers = [20], Latent = 2, Level = 4, Epochs = 30, Seed = 1,
                }))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedType", "PredictedLabel"));
            var folds = ml.MulticlassClassification.CrossValidate(data, pipeline, numberOfFolds: 3);
            double accuracy = folds.Average(f => f.Metrics.MicroAccuracy);
            Assert.True(accuracy > 0.45, $"cross-validated accuracy {accuracy:F3} (majority class 0.36)");

            var model = pipeline.Fit(data);
            var scored = model.Transform(data);
            var predicted = scored.GetColumn<string>("PredictedType").ToList();
            Assert.All(predicted, p => Assert.Contains(p, new[] { "1", "2", "3", "5", "6", "7" }));
            Assert.All(scored.GetColumn<float[]>("Score"), p => Assert.Equal(1, p.Sum(), 3));

            using var dir = new TempDir();
            string path = Path.Combine(dir.Path, "glass.zip");
            ml.Model.SaveWithNeuralSparseGrids(model, data.Schema, path);
            var loaded = ml.Model.LoadWithNeuralSparseGrids(path, out _);
            Assert.Equal(predicted, loaded.Transform(data).GetColumn<string>("PredictedType"));
            var metrics = ml.MulticlassClassification.Evaluate(loaded.Transform(data));
            Assert.True(metrics.MicroAccuracy > 0.5, $"training accuracy after load {metrics.MicroAccuracy:F3}");
        }
        finally
        {
            File.Delete(csv);
        }
    }

    public sealed class ClassRow
    {
        public float X1 { get; set; }
        public float X2 { get; set; }
        public string Kind { get; set; } = "";
        public string Species { get; set; } = "";
    }

    /// <summary>Three classes decided by x1, x2 and the category, with some overlap (so the metrics are not trivial).</summary>
    private static List<ClassRow> ClassRows(int n, int seed)
    {
        var random = new Random(seed);
        string[] kinds = ["a", "b"], species = ["setosa", "versicolor", "virginica"];
        return Enumerable.Range(0, n).Select(_ =>
        {
            float x1 = (float)(random.NextDouble() * 2 - 1), x2 = (float)(random.NextDouble() * 2 - 1);
            int k = random.Next(2);
            double score = x1 + 0.5 * x2 + (k == 1 ? 0.4 : 0) + 0.3 * (random.NextDouble() - 0.5);
            return new ClassRow { X1 = x1, X2 = x2, Kind = kinds[k], Species = species[score < -0.3 ? 0 : score < 0.5 ? 1 : 2] };
        }).ToList();
    }

    [Fact]
    public void Multiclass_ml_net_evaluator_metrics_equal_the_nsg_evaluation_on_the_same_split()
    {
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadFromEnumerable(ClassRows(450, seed: 5));
        var split = ml.Data.TrainTestSplit(all, testFraction: 0.3, seed: 2);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Species")
            .Append(ml.Transforms.Categorical.OneHotEncoding("KindOneHot", "Kind"))
            .Append(ml.Transforms.Concatenate("Features", "X1", "X2", "KindOneHot"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.NeuralSparseGrid(new NeuralSparseGridTrainerOptions
            {
                HiddenLayers = [12], Latent = 2, Level = 3, Epochs = 25, Seed = 2,
            }));
        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.InRange(metrics.MicroAccuracy, 0.6, 0.99);

        // `nsg evaluate` on the same rows: ModelEvaluation.Evaluate on the pipeline's features and the key labels (1-based keys).
        var nsg = Assert.IsType<NeuralSparseGridTransformer>(((IEnumerable<ITransformer>)model).Last());
        var features = ml.Data.CreateEnumerable<FeatureRow>(scored, false).ToList();
        var labels = scored.GetColumn<uint>("Label").Select(k => (int)k - 1).ToArray();
        int classes = nsg.Model.Config.Outputs;
        Assert.Equal(3, classes);
        var dataset = Dataset.ForClassification(features.SelectMany(f => f.Features.Select(v => (double)v)).ToArray(), features.Count,
            features[0].Features.Length, labels, Enumerable.Range(0, classes).Select(c => $"{c}").ToArray());
        using var tensors = PreparedData.ToSplit(dataset, null, null);
        var expected = ModelEvaluation.Evaluate(nsg.Model, tensors, nsg.Scaling);
        Assert.Equal(features.Count, expected.Count);
        Assert.Equal(expected.Accuracy!.Value, metrics.MicroAccuracy, 1e-12);
        // Log-loss is not among `nsg evaluate`'s figures; the project's Metrics.Classification computes it from the same probabilities.
        var probabilities = scored.GetColumn<float[]>("Score").SelectMany(p => p.Select(v => (double)v)).ToArray();
        var crossEntropy = NeuralSparseGrids.Training.Metrics.Classification(probabilities, classes, labels).CrossEntropy;
        Assert.Equal(crossEntropy, metrics.LogLoss, 1e-6);
    }

    [Fact]
    public void Multiclass_trainer_rejects_a_label_that_is_not_a_key()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(20, seed: 1));
        var pipeline = ml.Transforms.Concatenate("Features", "X1", "X2").Append(ml.MulticlassClassification.Trainers.NeuralSparseGrid());
        var e = Assert.ThrowsAny<ArgumentException>(() => pipeline.Fit(data));
        Assert.Contains("MapValueToKey", e.Message);
    }

    internal static string GunzipToTemp(string gz)
    {
        string path = Path.GetTempFileName();
        using var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        using var output = File.Create(path);
        input.CopyTo(output);
        return path;
    }

    private static double[,] ToColumn(double[] v)
    {
        var m = new double[v.Length, 1];
        for (int i = 0; i < v.Length; i++) m[i, 0] = v[i];
        return m;
    }
}
