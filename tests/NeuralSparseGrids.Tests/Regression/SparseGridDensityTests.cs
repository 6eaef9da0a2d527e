using NeuralSparseGrids.Data;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Regression;
using Xunit.Abstractions;

namespace NeuralSparseGrids.Tests.Regression;

public class SparseGridDensityTests(ITestOutputHelper output)
{
    private static double[] Sample(int rows, int dim, int seed, double centre = 0.45, double sd = 0.15)
    {
        var normal = new NormalSampler(new Random(seed));
        var x = new double[rows * dim];
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(centre + sd * normal.Standard(), 0, 1);
        return x;
    }

    // Tensor trapezoid rule on the mesh of the finest 1-D level: exact for a sparse grid function, which is
    // piecewise d-linear on that mesh. box: integrate over that box of the density's coordinates (the mesh mapped onto
    // it) instead of the unit cube: exact for a density on a class box (piecewise d-linear on the mapped mesh).
    private static double Integrate(SparseGridDensity density, int column, bool clamp, DensityBox? box = null)
    {
        var grid = density.Grid;
        int cells = 1 << Math.Max(1, grid.MaxLevel1D), n = cells + 1, d = grid.Dim;
        box ??= DensityBox.Unit(d);
        var points = new List<double>();
        var weights = new List<double>();
        var idx = new int[d];
        while (true)
        {
            double w = box.Volume;
            for (int j = 0; j < d; j++)
            {
                // The faces themselves are evaluated just inside (a box's density is 0 outside, and the closed box's
                // faces are inside; rounding of lower + width must not step out).
                points.Add(box.Lower[j] + box.Width[j] * Math.Clamp(idx[j] / (double)cells, 1e-12, 1 - 1e-12));
                w *= (idx[j] == 0 || idx[j] == cells ? 0.5 : 1) / cells;
            }
            weights.Add(w);
            int k = d - 1;
            while (k >= 0 && ++idx[k] == n) { idx[k] = 0; k--; }
            if (k < 0) break;
        }
        var values = clamp ? density.Evaluate(points.ToArray()) : density.EvaluateSigned(points.ToArray());
        double sum = 0;
        for (int i = 0; i < weights.Count; i++) sum += weights[i] * values[i * density.Count + column];
        return sum;
    }

    [Theory]
    [InlineData(GridType.Linear, 2, 4)]
    [InlineData(GridType.LinearBoundary, 2, 3)]
    [InlineData(GridType.LinearExtendedBoundary, 2, 3)]
    [InlineData(GridType.ModifiedLinear, 2, 4)]
    [InlineData(GridType.Linear, 3, 3)]
    [InlineData(GridType.ModifiedLinear, 3, 3)]
    public void DensityIntegratesToOne(GridType type, int dim, int level)
    {
        var grid = SparseGrid.Create(dim, level, type);
        var x = Sample(400, dim, seed: 2);
        foreach (var regularizer in new[] { DensityRegularizer.Identity, DensityRegularizer.Laplace })
        {
            var density = SparseGridDensity.Fit(grid, x, new SparseGridDensityOptions { Regularizer = regularizer });
            double signed = Integrate(density, 0, clamp: false), clamped = Integrate(density, 0, clamp: true);
            output.WriteLine($"{type} d={dim} n={level} {regularizer}: lambda {density.Lambdas[0]:G2}, raw mass {density.RawIntegrals[0]:F4}, integral {signed:F12}, clamped {clamped:F6}, CG {density.Iterations}");
            Assert.Equal(1.0, signed, 9);
            Assert.InRange(clamped, 1.0, 1.5); // clamping only adds the (small) negative part back
        }
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void DensityOnAnisotropicAndDownwardClosedSetsIntegratesToOne(GridType type)
    {
        var x = Sample(400, 2, seed: 3);
        int min = Basis1D.MinLevel(type);
        int[][] set = [[min, min], [min + 1, min], [min, min + 1], [min + 2, min], [min + 1, min + 1], [min + 3, min]];
        foreach (var grid in new[] { SparseGrid.CreateAnisotropic([4, 2], type), SparseGrid.FromDownwardClosedSubspaces(2, type, set) })
        {
            var density = SparseGridDensity.Fit(grid, x);
            output.WriteLine($"{grid}: integral {Integrate(density, 0, clamp: false):F12}");
            Assert.Equal(1.0, Integrate(density, 0, clamp: false), 9);
        }
    }

    [Theory]
    [InlineData(GridType.Linear, 4)]
    [InlineData(GridType.LinearBoundary, 3)]
    [InlineData(GridType.ModifiedLinear, 4)]
    public void ClassBoxDensitiesIntegrateToOneOverTheirBoxesAndTheLatentBox(GridType type, int level)
    {
        // Two tight groups in 2-D (sd 0.05 around (0.3, 0.35) and (0.7, 0.6)): each density on its own box.
        var grid = SparseGrid.Create(2, level, type);
        var x = Sample(400, 2, 41, centre: 0.3, sd: 0.05).Concat(Sample(300, 2, 42, centre: 0.65, sd: 0.05)).ToArray();
        var groups = Enumerable.Repeat(0, 400).Concat(Enumerable.Repeat(1, 300)).ToArray();
        var density = SparseGridDensity.FitGroups(grid, x, groups, 2, new SparseGridDensityOptions { Boxes = DensityBoxRule.PerGroup });
        Assert.NotNull(density.Boxes);
        for (int g = 0; g < 2; g++)
        {
            var box = density.Boxes![g];
            // The box encloses the group's rows with the default margin: [min - 0.1 w, max + 0.1 w] per dimension.
            for (int j = 0; j < 2; j++)
            {
                var values = Enumerable.Range(0, groups.Length).Where(i => groups[i] == g).Select(i => x[i * 2 + j]).ToArray();
                double w = values.Max() - values.Min();
                Assert.Equal(Math.Max(0, values.Min() - 0.1 * w), box.Lower[j], 12);
                Assert.Equal(Math.Min(1, values.Max() + 0.1 * w), box.Lower[j] + box.Width[j], 12);
            }
            Assert.True(box.Volume < 0.25, $"box {g} volume {box.Volume}");
            double onBox = Integrate(density, g, clamp: false, box);
            // Independent of the box mesh: the midpoint rule over the whole latent box (the density is 0 outside its box).
            int m = 600;
            var centres = new double[m * m * 2];
            for (int a = 0; a < m; a++)
                for (int b = 0; b < m; b++) { centres[2 * (a * m + b)] = (a + 0.5) / m; centres[2 * (a * m + b) + 1] = (b + 0.5) / m; }
            var f = density.EvaluateSigned(centres);
            double latent = Enumerable.Range(0, m * m).Sum(i => f[2 * i + g]) / (m * m);
            int outside = Enumerable.Range(0, m * m).Count(i => f[2 * i + g] != 0 && !Inside(box, centres[2 * i], centres[2 * i + 1]));
            output.WriteLine($"{type} level {level} group {g}: box volume {box.Volume:F4}, integral over the box {onBox:F12}, over the latent box (midpoint, {m}^2) {latent:F5}");
            Assert.Equal(1.0, onBox, 9);
            Assert.Equal(1.0, latent, 2);
            Assert.Equal(0, outside);
        }
    }

    private static bool Inside(DensityBox box, double a, double b) =>
        a >= box.Lower[0] && a <= box.Lower[0] + box.Width[0] && b >= box.Lower[1] && b <= box.Lower[1] + box.Width[1];

    [Fact]
    public void ZeroLambdaOnBoundaryGridIsTheL2ProjectionThatAlreadyIntegratesToOne()
    {
        // With the constants in the space (boundary basis) the projection of the empirical measure has mass 1.
        var grid = SparseGrid.Create(2, 3, GridType.LinearBoundary);
        var density = SparseGridDensity.Fit(grid, Sample(300, 2, 5), new SparseGridDensityOptions { Lambda = 0, Tolerance = 1e-12, MaxIterations = 5000 });
        Assert.Equal(1.0, density.RawIntegrals[0], 6);
    }

    [Fact]
    public void DensityFollowsTheData()
    {
        var grid = SparseGrid.Create(2, 5, GridType.ModifiedLinear);
        var density = SparseGridDensity.Fit(grid, Sample(3000, 2, 7, centre: 0.3, sd: 0.08));
        var v = density.Evaluate([0.3, 0.3, 0.8, 0.8]);
        // True density at the centre ~ 1 / (2 pi 0.08^2) = 24.9; far away ~ 0.
        output.WriteLine($"f(centre) {v[0]:F2}, f(far) {v[1]:F4}, lambda {density.Lambdas[0]}");
        Assert.InRange(v[0], 12, 40);
        Assert.True(v[1] < 0.5);
    }

    [Theory]
    [InlineData(DensityBoxRule.Global)]
    [InlineData(DensityBoxRule.PerGroup)]
    public void TwoGaussiansDensityClassifierRecoversBayesAccuracy(DensityBoxRule boxes)
    {
        // Classes N((0.38, 0.5), 0.08^2 I) and N((0.62, 0.5), 0.08^2 I), priors 0.6 / 0.4: the Bayes rule is a vertical
        // line shifted toward class 1, x0 < 0.5 + 0.08^2 ln(0.6/0.4) / 0.24.
        int train = 3000, test = 8000;
        var (xTrain, yTrain) = TwoGaussians(train, 11);
        var (xVal, yVal) = TwoGaussians(1000, 12);
        var (xTest, yTest) = TwoGaussians(test, 13);
        var grid = SparseGrid.Create(2, 5, GridType.ModifiedLinear);
        var classifier = SparseGridDensityClassifier.Fit(grid, xTrain, yTrain, 2, new SparseGridDensityOptions { Boxes = boxes }, xVal, yVal);
        Assert.Equal(boxes == DensityBoxRule.PerGroup, classifier.Densities.Boxes is not null);
        var predicted = classifier.Predict(classifier.ClassDensities(xTest));
        double boundary = 0.5 + 0.08 * 0.08 * Math.Log(0.6 / 0.4) / 0.24;
        double ours = 0, bayes = 0;
        for (int i = 0; i < test; i++)
        {
            ours += predicted[i] == yTest[i] ? 1 : 0;
            bayes += (xTest[2 * i] < boundary ? 0 : 1) == yTest[i] ? 1 : 0;
        }
        ours /= test; bayes /= test;
        output.WriteLine($"{boxes}: density classifier {ours:F4}, Bayes {bayes:F4}, priors {string.Join(",", classifier.Priors)}, lambdas {string.Join(",", classifier.Densities.Lambdas)}");
        Assert.InRange(classifier.Priors[0], 0.57, 0.63);
        Assert.True(ours >= bayes - 0.01, $"density classifier {ours} vs Bayes {bayes}");
    }

    [Fact]
    public void AccuracySelectionTakesTheLambdaWhoseFixedFitClassifiesTheValidationRowsBest()
    {
        var (xTrain, yTrain) = TwoGaussians(600, 21);
        var (xVal, yVal) = TwoGaussians(300, 22);
        var grid = SparseGrid.Create(2, 4, GridType.Linear);
        double[] candidates = [1e-4, 1e-2, 1];
        var options = new SparseGridDensityOptions { LambdaCandidates = candidates, Selection = LambdaSelection.Accuracy };
        var chosen = SparseGridDensity.FitGroups(grid, xTrain, yTrain, 2, options, xVal, yVal);
        // Independent check: each candidate fitted with a fixed lambda, classified by argmax P(c) f_c (unclamped) on the validation rows.
        var accuracies = candidates.Select(lambda =>
        {
            var classifier = SparseGridDensityClassifier.Fit(grid, xTrain, yTrain, 2, options with { Lambda = lambda });
            var f = classifier.Densities.EvaluateSigned(xVal);
            var p = classifier.Priors;
            return Enumerable.Range(0, yVal.Length).Count(i => (p[1] * f[2 * i + 1] > p[0] * f[2 * i] ? 1 : 0) == yVal[i]) / (double)yVal.Length;
        }).ToArray();
        output.WriteLine($"accuracies {string.Join(", ", accuracies)}; chosen {chosen.Lambdas[0]}");
        Assert.Equal(chosen.Lambdas[0], chosen.Lambdas[1]); // one lambda shared by the classes
        Assert.Equal(accuracies.Max(), accuracies[Array.IndexOf(candidates, chosen.Lambdas[0])], 12);
        Assert.Equal(accuracies, chosen.Trials.Select(t => t.Accuracy!.Value).ToArray());
    }

    private static (double[] X, int[] Y) TwoGaussians(int rows, int seed)
    {
        var rng = new Random(seed);
        var normal = new NormalSampler(new Random(seed + 1000));
        var x = new double[rows * 2];
        var y = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            y[i] = rng.NextDouble() < 0.6 ? 0 : 1;
            x[2 * i] = Math.Clamp((y[i] == 0 ? 0.38 : 0.62) + 0.08 * normal.Standard(), 0, 1);
            x[2 * i + 1] = Math.Clamp(0.5 + 0.08 * normal.Standard(), 0, 1);
        }
        return (x, y);
    }

    [Theory]
    [InlineData(GridType.Linear, 3, 4, DensityRegularizer.Identity, LambdaSelection.Accuracy)]
    [InlineData(GridType.Linear, 3, 4, DensityRegularizer.Laplace, LambdaSelection.Risk)]
    [InlineData(GridType.ModifiedLinear, 2, 5, DensityRegularizer.Identity, LambdaSelection.Risk)]
    [InlineData(GridType.LinearBoundary, 2, 4, DensityRegularizer.Laplace, LambdaSelection.Accuracy)]
    public void DirectAndConjugateGradientSolvesAgree(GridType type, int dim, int level, DensityRegularizer regularizer, LambdaSelection selection)
    {
        // Three groups around different centres, a lambda search on validation rows and one without (held-out share).
        var grid = SparseGrid.Create(dim, level, type);
        var x = Sample(600, dim, 31, centre: 0.35, sd: 0.1).Concat(Sample(400, dim, 32, centre: 0.6, sd: 0.12)).Concat(Sample(300, dim, 33, centre: 0.5, sd: 0.2)).ToArray();
        var groups = Enumerable.Repeat(0, 600).Concat(Enumerable.Repeat(1, 400)).Concat(Enumerable.Repeat(2, 300)).ToArray();
        var validation = Sample(150, dim, 34, centre: 0.35, sd: 0.1).Concat(Sample(150, dim, 35, centre: 0.6, sd: 0.12)).ToArray();
        var validationGroups = Enumerable.Repeat(0, 150).Concat(Enumerable.Repeat(1, 150)).ToArray();
        var options = new SparseGridDensityOptions { Regularizer = regularizer, Selection = selection, Tolerance = 1e-11, MaxIterations = 5000 };
        foreach (bool withValidation in new[] { true, false })
        {
            var direct = SparseGridDensity.FitGroups(grid, x, groups, 3, options with { DensePointLimit = int.MaxValue },
                withValidation ? validation : null, withValidation ? validationGroups : null);
            var iterative = SparseGridDensity.FitGroups(grid, x, groups, 3, options with { DensePointLimit = 0 },
                withValidation ? validation : null, withValidation ? validationGroups : null);
            Assert.True(direct.SolvedDirectly);
            Assert.False(iterative.SolvedDirectly);
            Assert.True(iterative.Iterations > 0);
            Assert.Equal(0, direct.Iterations);
            Assert.Equal(iterative.Lambdas, direct.Lambdas);
            Assert.Equal(iterative.Trials.Select(t => t.Accuracy), direct.Trials.Select(t => t.Accuracy));
            double scale = direct.Surpluses.Max(Math.Abs), worst = direct.Surpluses.Zip(iterative.Surpluses).Max(p => Math.Abs(p.First - p.Second));
            output.WriteLine($"{grid} {regularizer} {selection} validation {withValidation}: lambdas {string.Join(",", direct.Lambdas)}, CG {iterative.Iterations} iterations, max |difference| {worst:G3} of max |alpha| {scale:G3}");
            Assert.True(worst <= 1e-7 * scale, $"direct and CG surpluses differ by {worst:G3} (max |alpha| {scale:G3})");
            for (int g = 0; g < 3; g++) Assert.Equal(direct.RawIntegrals[g], iterative.RawIntegrals[g], 8);
        }
    }

    [Fact]
    public void ThresholdIsTheInterpolatedQuantileAndFlagsThatShare()
    {
        var scores = Enumerable.Range(1, 1000).Select(i => (double)i).ToArray();
        new Random(1).Shuffle(scores);
        double threshold = DensityThreshold.Quantile(scores, DensityThreshold.DefaultQuantile);
        Assert.Equal(1 + 0.01 * 999, threshold, 12);
        Assert.Equal(10, DensityThreshold.Flag(scores, threshold).Count(f => f));
        Assert.Equal(1, DensityThreshold.Quantile(scores, 0));
        Assert.DoesNotContain(true, DensityThreshold.Flag(scores, DensityThreshold.Quantile(scores, 0)));
        Assert.Equal(1000, DensityThreshold.Quantile(scores, 1));
        Assert.Equal(2.5, DensityThreshold.Quantile([4.0, 1, 2, 3], 0.5), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => DensityThreshold.Quantile(scores, 1.5));
        Assert.Throws<ArgumentException>(() => DensityThreshold.Quantile([], 0.01));
    }

    [Fact]
    public void BadInputGivesClearErrors()
    {
        var grid = SparseGrid.Create(2, 3);
        var e = Assert.Throws<ArgumentException>(() => SparseGridDensity.FitGroups(grid, Sample(10, 2, 1), new int[10], 2));
        Assert.Contains("Group 1 has no rows", e.Message);
        // All data on the boundary of a boundary-free grid: every basis function vanishes there.
        var onFace = Enumerable.Repeat(0.0, 20).ToArray();
        var e2 = Assert.Throws<InvalidOperationException>(() => SparseGridDensity.Fit(grid, onFace, new SparseGridDensityOptions { Lambda = 0.1 }));
        Assert.Contains("boundary", e2.Message);
    }
}
