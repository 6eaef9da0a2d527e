using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.ML.Baselines;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

[Collection("Torch")]
public class BaselineTests
{
    private static DatasetSplit Split(Dataset data) => new ScaledSplits(data).Split(1);

    [Fact]
    public void TreesFallBackToFastTreeWhenLightGbmsNativeLibraryFails()
    {
        var split = Split(TinyData.Classification(rows: 200));
        var trees = new TreeBaseline { LightGbmFit = (_, _, _) => throw new DllNotFoundException("lib_lightgbm.so: cannot open shared object file") };
        using var fitted = trees.Fit(split, 1);
        Assert.StartsWith("FastTree (LightGBM unavailable: lib_lightgbm.so", fitted.Detail);
        // The fallback still learns the (linear, 5 % noise) rule well above chance.
        Assert.True(ComparisonRunner.Score(fitted.Predict(split.Test), split.Test) > 0.7);
    }

    [Fact]
    public void OtherLightGbmErrorsAreNotMistakenForAMissingLibrary()
    {
        Assert.True(TreeBaseline.IsNativeLoadFailure(new TypeInitializationException("X", new DllNotFoundException("lib_lightgbm"))));
        Assert.False(TreeBaseline.IsNativeLoadFailure(new InvalidOperationException("bad label")));
        var trees = new TreeBaseline { LightGbmFit = (_, _, _) => throw new InvalidOperationException("bad label") };
        Assert.Throws<InvalidOperationException>(() => trees.Fit(Split(TinyData.Classification()), 1));
    }

    [Fact]
    public void LightGbmRunsAndSaysSo()
    {
        var split = Split(TinyData.Classification(rows: 200));
        using var fitted = new TreeBaseline().Fit(split, 1);
        Assert.True(fitted.Detail == "LightGBM" || fitted.Detail.StartsWith("FastTree (LightGBM unavailable", StringComparison.Ordinal), fitted.Detail);
        Assert.True(ComparisonRunner.Score(fitted.Predict(split.Test), split.Test) > 0.7);
    }

    [Fact]
    public void RidgeRecoversALinearFunctionInTargetUnits()
    {
        var split = Split(TinyData.Regression(rows: 200));
        using var fitted = new LinearBaseline().Fit(split, 1);
        Assert.StartsWith("ridge", fitted.Detail);
        // Noise is uniform in +-0.05 (std 0.029): the ridge fit is close to that floor, far below the target's spread (about 0.9).
        Assert.True(ComparisonRunner.Score(fitted.Predict(split.Test), split.Test) < 0.05);
    }

    [Fact]
    public void LogisticRegressionAndTheClassicSparseGridClassify()
    {
        var split = Split(TinyData.Classification(rows: 200));
        using var logistic = new LinearBaseline().Fit(split, 1);
        Assert.StartsWith("multinomial logistic", logistic.Detail);
        Assert.True(ComparisonRunner.Score(logistic.Predict(split.Test), split.Test) > 0.8);
        using var sg = new SparseGridMethod().Fit(split, 1);
        Assert.Contains("level", sg.Detail);
        Assert.True(ComparisonRunner.Score(sg.Predict(split.Test), split.Test) > 0.7);
    }

    [Fact]
    public void TheClassicSparseGridIsNotRunOnWideInputs()
    {
        var sg = new SparseGridMethod();
        Assert.Null(sg.NotApplicable(new ComparisonProblem(DatasetTask.Regression, 10, 100, [])));
        Assert.Contains("11 encoded inputs", sg.NotApplicable(new ComparisonProblem(DatasetTask.Regression, 11, 100, [])));
    }
}
