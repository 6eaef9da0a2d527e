using Microsoft.ML;
using Microsoft.ML.Data;
using NeuralSparseGrids.ML.Trainers;
using NeuralSparseGrids.Tests.Data;
using TorchSharp;
using static NeuralSparseGrids.Tests.ML.NeuralSparseGridTrainerTests;

namespace NeuralSparseGrids.Tests.ML;

/// <summary>
/// Single predictions through ML.NET's PredictionEngine (the NSG transformer as a row-to-row mapper) inside full
/// pipelines: the same values as the batched Transform, before and after SaveWithNeuralSparseGrids/Load, no tensor leak.
/// </summary>
[Collection("Torch")]
public sealed class NeuralSparseGridPredictionEngineTests
{
    // Batched and one-row forward passes may take different BLAS kernels; float32 rounding is all that may differ.
    private const float Tolerance = 1e-5f;

    public sealed class RegressionPrediction
    {
        public float Score { get; set; }
    }

    public sealed class SpeciesPrediction
    {
        public float[] Score { get; set; } = [];
        public string PredictedSpecies { get; set; } = "";
    }

    public sealed class ScoreOnlyPrediction
    {
        public float[] Score { get; set; } = [];
    }

    private static IEstimator<ITransformer> SpeciesPipeline(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", nameof(ClassRow.Species))
            .Append(ml.Transforms.Categorical.OneHotEncoding("KindOneHot", nameof(ClassRow.Kind)))
            .Append(ml.Transforms.Concatenate("Features", nameof(ClassRow.X1), nameof(ClassRow.X2), "KindOneHot"))
            .Append(ml.Transforms.NormalizeMinMax("Features", fixZero: false))
            .Append(ml.MulticlassClassification.Trainers.NeuralSparseGrid(new NeuralSparseGridTrainerOptions
            {
                HiddenLayers = [12], Latent = 2, Level = 3, Epochs = 15, Seed = 2,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel"));

    private static ITransformer SaveAndLoad(MLContext ml, ITransformer model, DataViewSchema schema, TempDir dir)
    {
        string path = Path.Combine(dir.Path, "model.zip");
        ml.Model.SaveWithNeuralSparseGrids(model, schema, path);
        return ml.Model.LoadWithNeuralSparseGrids(path, out _);
    }

    [Fact]
    public void Regression_prediction_engine_equals_transform_before_and_after_save_load()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Rows(300, seed: 1));
        var rows = Rows(40, seed: 2);
        var test = ml.Data.LoadFromEnumerable(rows);
        var model = RegressionPipeline(ml, epochs: 8).Fit(train);
        var batched = model.Transform(test).GetColumn<float>("Score").ToArray();
        Assert.Contains(batched, s => s != batched[0]);

        using var dir = new TempDir();
        var loaded = SaveAndLoad(ml, model, train.Schema, dir);
        foreach (var candidate in new[] { model, loaded })
        {
            var engine = ml.Model.CreatePredictionEngine<RegressionRow, RegressionPrediction>(candidate,
                new PredictionEngineOptions { OwnsTransformer = false });
            var single = rows.Select(r => engine.Predict(r).Score).ToArray();
            for (int i = 0; i < rows.Count; i++)
                Assert.True(Math.Abs(single[i] - batched[i]) <= Tolerance * Math.Max(1, Math.Abs(batched[i])), $"row {i}: engine {single[i]}, Transform {batched[i]}");
            engine.Dispose();
        }
        // The engine did not own the model: it still scores.
        Assert.Equal(batched, model.Transform(test).GetColumn<float>("Score").ToArray());
    }

    [Fact]
    public void Multiclass_prediction_engine_equals_transform_and_maps_the_label_back_before_and_after_save_load()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(ClassRows(300, seed: 5));
        var rows = ClassRows(40, seed: 6);
        var test = ml.Data.LoadFromEnumerable(rows);
        var model = SpeciesPipeline(ml).Fit(train);
        var scored = model.Transform(test);
        var probabilities = scored.GetColumn<float[]>("Score").ToArray();
        var labels = scored.GetColumn<string>("PredictedSpecies").ToArray();
        Assert.True(labels.Distinct().Count() >= 2, "a model that predicts one class does not test the label mapping");

        using var dir = new TempDir();
        var loaded = SaveAndLoad(ml, model, train.Schema, dir);
        foreach (var candidate in new[] { model, loaded })
        {
            using var engine = ml.Model.CreatePredictionEngine<ClassRow, SpeciesPrediction>(candidate,
                new PredictionEngineOptions { OwnsTransformer = false });
            for (int i = 0; i < rows.Count; i++)
            {
                var p = engine.Predict(rows[i]);
                Assert.Equal(labels[i], p.PredictedSpecies);
                Assert.Contains(p.PredictedSpecies, new[] { "setosa", "versicolor", "virginica" });
                Assert.Equal(3, p.Score.Length);
                for (int c = 0; c < 3; c++) Assert.True(Math.Abs(p.Score[c] - probabilities[i][c]) <= Tolerance, $"row {i} class {c}: engine {p.Score[c]}, Transform {probabilities[i][c]}");
            }
        }
    }

    [Fact]
    public void Single_predictions_leave_no_live_tensors_and_run_the_network_once_per_row()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(ClassRows(200, seed: 5));
        var rows = ClassRows(100, seed: 7);
        var model = SpeciesPipeline(ml).Fit(train);
        var engine = ml.Model.CreatePredictionEngine<ClassRow, SpeciesPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var scoresOnly = ml.Model.CreatePredictionEngine<ClassRow, ScoreOnlyPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var stats = DisposeScopeManager.Statistics;
        long LiveNow() => stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - stats.DisposedInScopeCount - stats.DisposedOutsideScopeCount;
        long CreatedBy(Action predict)
        {
            long created = stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
            predict();
            return stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - created;
        }

        engine.Predict(rows[0]);
        scoresOnly.Predict(rows[0]);
        long before = LiveNow();
        foreach (var row in rows) engine.Predict(row);
        long after = LiveNow();
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after} over {rows.Count} single predictions");

        // Reading Score and PredictedLabel (through MapKeyToValue) must cost the same tensors as reading Score alone:
        // the row caches its forward pass by position.
        long both = CreatedBy(() => engine.Predict(rows[1]));
        long scoreAlone = CreatedBy(() => scoresOnly.Predict(rows[1]));
        Assert.True(scoreAlone > 0, "a prediction creates tensors");
        Assert.Equal(scoreAlone, both);
        engine.Dispose();
        scoresOnly.Dispose();
    }

    [Fact]
    public void A_non_finite_feature_gives_a_clear_error()
    {
        var ml = new MLContext(seed: 1);
        var model = RegressionPipeline(ml, epochs: 1).Fit(ml.Data.LoadFromEnumerable(Rows(60, seed: 1)));
        using var engine = ml.Model.CreatePredictionEngine<RegressionRow, RegressionPrediction>(model);
        var e = Assert.Throws<InvalidOperationException>(() => engine.Predict(new RegressionRow { X1 = float.NaN, X2 = 1, Kind = "a" }));
        Assert.Contains("'Features'", e.Message);
    }
}
