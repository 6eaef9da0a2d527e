using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Regression;
using Xunit.Abstractions;

namespace NeuralSparseGrids.Tests.Regression;

public class SparseGridRegressionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    [InlineData(GridType.Linear, true)]
    [InlineData(GridType.LinearBoundary, true)]
    [InlineData(GridType.ModifiedLinear, true)]
    public void ConjugateGradientsMatchDenseNormalEquations(GridType type, bool spatiallyAdaptive = false)
    {
        var rng = new Random(4);
        int dim = 2, rows = 150, outputs = 2;
        var x = new double[rows * dim];
        for (int i = 0; i < x.Length; i++) x[i] = 3 * rng.NextDouble() - 1;
        var y = new double[rows * outputs];
        for (int i = 0; i < rows; i++)
        {
            y[i * outputs] = Math.Sin(3 * x[i * dim]) + x[i * dim + 1];
            y[i * outputs + 1] = x[i * dim] * x[i * dim + 1];
        }
        var options = new SparseGridRegressionOptions { Level = 3, GridType = type, Lambda = 0.1, Tolerance = 1e-12, MaxIterations = 2000 };
        // Spatially adaptive: a given grid with partial subspaces instead of the regular one.
        if (spatiallyAdaptive) options = options with { Grid = Grids.SpatialGrids.Random(type, dim, 2, 8, 41) };
        var model = SparseGridRegression.Fit(x, y, dim, outputs, options);
        Assert.Equal(spatiallyAdaptive, model.Grid.HasPartialSubspaces);

        // Dense B (rows, points) from the brute-force basis, then Cholesky of B^T B + λ M I (M rows).
        var grid = model.Grid;
        int g = (int)grid.PointCount;
        var z = model.Scaling.Transform(x);
        var b = new double[rows, g];
        for (int i = 0; i < rows; i++)
            for (int p = 0; p < g; p++) b[i, p] = grid.BasisValue(p, z.AsSpan(i * dim, dim));
        var a = new double[g, g];
        for (int p = 0; p < g; p++)
            for (int q = 0; q < g; q++)
            {
                double s = p == q ? options.Lambda * rows : 0; // SG++ averages the data term: λ M on the diagonal
                for (int i = 0; i < rows; i++) s += b[i, p] * b[i, q];
                a[p, q] = s;
            }
        var l = Cholesky(a);
        for (int o = 0; o < outputs; o++)
        {
            var rhs = new double[g];
            for (int p = 0; p < g; p++)
                for (int i = 0; i < rows; i++) rhs[p] += b[i, p] * y[i * outputs + o];
            var exact = CholeskySolve(l, rhs);
            for (int p = 0; p < g; p++) Assert.Equal(exact[p], model.Surpluses[p * outputs + o], 7);
        }
    }

    private static double[,] Cholesky(double[,] a)
    {
        int n = a.GetLength(0);
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++) s -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(s) : s / l[j, j];
            }
        return l;
    }

    private static double[] CholeskySolve(double[,] l, double[] b)
    {
        int n = b.Length;
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i, k] * w[k];
            w[i] = s / l[i, i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = w[i];
            for (int k = i + 1; k < n; k++) s -= l[k, i] * x[k];
            x[i] = s / l[i, i];
        }
        return x;
    }

    [Fact]
    public void ScalingIsFittedOnTrainingDataAndClampsForPrediction()
    {
        var s = InputScaling.Fit(new double[] { 1, 10, 3, 10, 2, 10 }, 2);
        Assert.Equal(new[] { 1.0, 10 }, s.Min);
        Assert.Equal(new[] { 3.0, 10 }, s.Max);
        Assert.Equal(new[] { 0.5, 0.5, 0, 0.5, 1, 0.5 }, s.Transform(new double[] { 2, 10, -5, 7, 9, 10 }));
    }

    [Fact]
    public void ClassifierSeparatesASimpleProblem()
    {
        var rng = new Random(8);
        int rows = 400;
        var x = new double[rows * 2];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            x[2 * i] = rng.NextDouble(); x[2 * i + 1] = rng.NextDouble();
            double r = Math.Sqrt(Math.Pow(x[2 * i] - 0.5, 2) + Math.Pow(x[2 * i + 1] - 0.5, 2));
            labels[i] = r < 0.25 ? 0 : x[2 * i] < 0.5 ? 1 : 2;
        }
        var model = SparseGridClassifier.Fit(x, labels, 2, new SparseGridRegressionOptions { Level = 5, Lambda = 2.5e-5 });
        Assert.Equal(new[] { 0, 1, 2 }, model.Classes);
        var predicted = model.Predict(x);
        double accuracy = predicted.Zip(labels, (p, t) => p == t ? 1.0 : 0).Average();
        output.WriteLine($"training accuracy {accuracy:P1}");
        Assert.True(accuracy > 0.9);
    }

    [SkippableFact]
    public void RipleyTestAccuracyIsAtLeast89Percent()
    {
        var shared = TestArff.SharedDirectory();
        Skip.If(shared is null, "shared/datasets not found above the test binaries");
        var (xTrain, yTrain, dim) = TestArff.Read(Path.Combine(shared!, "datasets/ripley/ripleyGarcke.train.arff"));
        var (xTest, yTest, _) = TestArff.Read(Path.Combine(shared!, "datasets/ripley/ripleyGarcke.test.arff"));
        var options = new SparseGridRegressionOptions { Level = 4, GridType = GridType.ModifiedLinear, Lambda = 0.04 };
        var model = SparseGridClassifier.Fit(xTrain, yTrain.Select(v => (int)v).ToArray(), dim, options);
        var predicted = model.Predict(xTest);
        double accuracy = predicted.Zip(yTest, (p, t) => p == (int)t ? 1.0 : 0).Average();
        output.WriteLine($"Ripley: {xTrain.Length / dim} train, {yTest.Length} test rows, {model.Model.Grid}, λ = {options.Lambda}, CG iterations {model.Model.Iterations}: test accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.89, $"test accuracy {accuracy:P2}");
    }

    [SkippableFact]
    public void FriedmanRegressionBeatsTheMeanPredictor()
    {
        var shared = TestArff.SharedDirectory();
        Skip.If(shared is null, "shared/datasets not found above the test binaries");
        var (x, y, dim) = TestArff.Read(Path.Combine(shared!, "datasets/friedman/friedman1_10d_2000.arff.gz"));
        int rows = y.Length, train = rows * 3 / 4;
        var options = new SparseGridRegressionOptions { Level = 3, GridType = GridType.ModifiedLinear, Lambda = 1e-4, Tolerance = 1e-5 };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var model = SparseGridRegression.Fit(x[..(train * dim)], y[..train], dim, 1, options);
        var predicted = model.Predict(x[(train * dim)..]);
        double mean = y[..train].Average();
        double mse = 0, mseMean = 0;
        for (int i = train; i < rows; i++)
        {
            mse += Math.Pow(predicted[i - train] - y[i], 2);
            mseMean += Math.Pow(mean - y[i], 2);
        }
        mse /= rows - train; mseMean /= rows - train;
        output.WriteLine($"Friedman1 (d = {dim}): {train} train / {rows - train} held-out rows, {model.Grid}, CG iterations {model.Iterations} in {watch.ElapsedMilliseconds} ms: MSE {mse:F4} vs mean predictor {mseMean:F4} (ratio {mse / mseMean:F3})");
        Assert.True(mse < 0.25 * mseMean, $"MSE {mse} vs mean predictor {mseMean}");
    }
}
