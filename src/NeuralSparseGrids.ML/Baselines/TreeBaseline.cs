using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;

namespace NeuralSparseGrids.ML.Baselines;

/// <summary>
/// Gradient-boosted trees from ML.NET, method `trees`: LightGBM (multiclass objective for classification, L2 for
/// regression) with early stopping on the validation part; where LightGBM's native library cannot be loaded (a
/// <see cref="DllNotFoundException"/> and kin), ML.NET's own FastTree (one-vs-all for classes) with the same tree
/// settings and a fixed number of trees. <see cref="IFittedMethod.Detail"/> says which ran.
/// </summary>
/// <remarks>
/// Settings are LightGBM's defaults (31 leaves, learning rate 0.1), except: at most 1000 rounds with early stopping
/// after 50 rounds without a validation improvement, and at least rows / 20 (2 .. 20) rows per leaf, so that data sets
/// of a hundred rows still grow trees deeper than a stump.
/// </remarks>
public sealed class TreeBaseline : IComparisonMethod
{
    /// <summary>Boosting rounds at most (LightGBM stops earlier on validation).</summary>
    public const int MaxRounds = 1000;

    /// <summary>FastTree's number of trees (no early stopping there).</summary>
    public const int FastTreeTrees = 200;

    private static string? _lightGbmFailure;

    /// <summary>Fits LightGBM (replaceable to test the fallback).</summary>
    internal Func<MLContext, DatasetSplit, int, ITransformer> LightGbmFit { get; set; } = FitLightGbm;

    /// <inheritdoc />
    public string Name => "trees";

    /// <inheritdoc />
    public string? NotApplicable(ComparisonProblem problem) => null;

    /// <inheritdoc />
    public IFittedMethod Fit(DatasetSplit split, int seed)
    {
        var ml = new MLContext(seed);
        if (split.Train.Task == DatasetTask.Regression && split.Train.TargetCount > 1)
            throw new NotSupportedException("trees: one regression target at a time (the suite has one per data set).");
        if (_lightGbmFailure == null || LightGbmFit != FitLightGbm)
        {
            try
            {
                return new MlNetFitted(ml, [LightGbmFit(ml, split, seed)], "LightGBM");
            }
            catch (Exception e) when (IsNativeLoadFailure(e))
            {
                if (LightGbmFit == FitLightGbm) _lightGbmFailure = e.GetBaseException().Message;
                return new MlNetFitted(ml, [FitFastTree(ml, split)], $"FastTree (LightGBM unavailable: {e.GetBaseException().Message})");
            }
        }
        return new MlNetFitted(ml, [FitFastTree(ml, split)], $"FastTree (LightGBM unavailable: {_lightGbmFailure})");
    }

    /// <summary>True for the exceptions a missing or broken native library raises.</summary>
    internal static bool IsNativeLoadFailure(Exception e) => e.GetBaseException() is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    private static int LeafRows(int rows) => Math.Clamp(rows / 20, 2, 20);

    private static ITransformer FitLightGbm(MLContext ml, DatasetSplit split, int seed)
    {
        var train = MlNetData.ToDataView(ml, split.Train);
        var validation = MlNetData.ToDataView(ml, split.Validation.Rows > 0 ? split.Validation : split.Train);
        int leafRows = LeafRows(split.Train.Rows);
        if (split.Train.Task == DatasetTask.Classification)
        {
            var trainer = ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                NumberOfIterations = MaxRounds, EarlyStoppingRound = 50, MinimumExampleCountPerLeaf = leafRows, Seed = seed, Silent = true,
            });
            // Early stopping needs the validation data inside the trainer; the key mapping is fitted on training and applied to both.
            var toKey = ml.Transforms.Conversion.MapValueToKey(MlNetData.Label, keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);
            var model = trainer.Fit(toKey.Transform(train), toKey.Transform(validation));
            var back = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(toKey.Transform(train)));
            return toKey.Append(model).Append(back);
        }
        var regression = ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
        {
            NumberOfIterations = MaxRounds, EarlyStoppingRound = 50, MinimumExampleCountPerLeaf = leafRows, Seed = seed, Silent = true,
        });
        return regression.Fit(train, validation);
    }

    private static ITransformer FitFastTree(MLContext ml, DatasetSplit split)
    {
        var train = MlNetData.ToDataView(ml, split.Train);
        int leafRows = LeafRows(split.Train.Rows);
        if (split.Train.Task == DatasetTask.Classification)
        {
            var binary = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfTrees = FastTreeTrees, NumberOfLeaves = 31, MinimumExampleCountPerLeaf = leafRows, LearningRate = 0.1,
            });
            return MlNetData.Classifier(ml, ml.MulticlassClassification.Trainers.OneVersusAll(binary)).Fit(train);
        }
        return ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = FastTreeTrees, NumberOfLeaves = 31, MinimumExampleCountPerLeaf = leafRows, LearningRate = 0.1,
        }).Fit(train);
    }
}
