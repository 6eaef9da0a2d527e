using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class SwissRollBayesTests
{
    [Theory]
    [InlineData(SwissRollT.Unit)]
    [InlineData(SwissRollT.Radians)]
    public void WithTinyNoiseThePosteriorMeanIsTheNoiseFreeResponse(SwissRollT mode)
    {
        var options = new SwissRollOptions(Count: 300, Noise: 0.002, TMode: mode);
        var sample = SwissRoll.Sample(options, seed: 4);
        var posteriors = SwissRollBayes.Predict(sample.Data, options);
        for (int i = 0; i < posteriors.Length; i++)
        {
            double s = mode == SwissRollT.Radians ? sample.T[i] : (sample.T[i] - SwissRoll.TMin) / (SwissRoll.TMax - SwissRoll.TMin);
            double noiseFree = Math.Sin(5 * Math.PI * s) + sample.H[i] * sample.H[i];
            // Coordinate noise 0.002 moves t by about 0.002/|dr/dt| and h by 0.002: the response by at most ~0.02.
            Assert.True(Math.Abs(posteriors[i].Mean - noiseFree) < 0.03, $"row {i}: {posteriors[i].Mean} vs {noiseFree}");
        }
    }

    [Fact]
    public void HeightPartMatchesTheGaussianClosedFormAwayFromTheEnds()
    {
        // For x2 well inside (0, 3) the h posterior is N(x2, tau^2): E[h^2] = x2^2 + tau^2, Var[h^2] = 4 x2^2 tau^2 + 2 tau^4.
        // At u = 0.1 (s = 0.1 in unit mode) on the roll, the sine part is ~sin(pi/2) = 1 with a tiny variance.
        double tau = 0.1, x2 = 1.7, u = 0.1;
        double t = SwissRoll.TMin + u * (SwissRoll.TMax - SwissRoll.TMin);
        var posterior = SwissRollBayes.Posterior([t * Math.Cos(t), x2, t * Math.Sin(t)], new SwissRollOptions(Noise: tau, TMode: SwissRollT.Unit));
        double expectedMean = 1 + x2 * x2 + tau * tau;
        double expectedVariance = 4 * x2 * x2 * tau * tau + 2 * Math.Pow(tau, 4) + tau * tau;
        Assert.Equal(expectedMean, posterior.Mean, 2e-3);
        Assert.Equal(expectedVariance, posterior.Variance, expectedVariance * 0.02);
    }

    [Fact]
    public void PosteriorIsCalibratedOnFreshSamples()
    {
        // An independent check of the whole derivation: on data drawn from the generator, the residuals of E[y|x] average
        // to zero and their mean square equals the mean predicted Var(y|x).
        var options = new SwissRollOptions(Count: 20000, Noise: 0.1, TMode: SwissRollT.Unit);
        var data = SwissRoll.Generate(options, seed: 11);
        var posteriors = SwissRollBayes.Predict(data, options);
        double sum = 0, sumSq = 0, predictedVariance = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            double r = data.Targets![i, 0] - posteriors[i].Mean;
            sum += r; sumSq += r * r; predictedVariance += posteriors[i].Variance;
        }
        int n = data.Rows;
        double mse = sumSq / n, meanVariance = predictedVariance / n;
        Assert.True(Math.Abs(sum / n) < 4 * Math.Sqrt(mse / n), $"mean residual {sum / n}");
        Assert.Equal(meanVariance, mse, meanVariance * 0.05);
    }

    [Fact]
    public void BeatsThePlugInPredictorAndSetsTheFloorOfTheThesisSetting()
    {
        // Plug-in: read h from x2 and t from the nearest roll point, as if the coordinates had no noise.
        var options = new SwissRollOptions(Count: 8000, Noise: 0.1, TMode: SwissRollT.Unit);
        var sample = SwissRoll.Sample(options, seed: 2);
        var bayes = SwissRollBayes.Predict(sample.Data, options);
        double bayesMse = 0, plugInMse = 0, min = double.MaxValue, max = double.MinValue;
        var x = sample.Data.Features;
        for (int i = 0; i < sample.Data.Rows; i++)
        {
            double y = sample.Data.Targets![i, 0];
            min = Math.Min(min, y); max = Math.Max(max, y);
            double h = x[i * 3 + 1];
            double u = (sample.T[i] - SwissRoll.TMin) / (SwissRoll.TMax - SwissRoll.TMin);
            double plugIn = Math.Sin(5 * Math.PI * u) + h * h; // even with the true t
            bayesMse += Math.Pow(y - bayes[i].Mean, 2);
            plugInMse += Math.Pow(y - plugIn, 2);
        }
        Assert.True(bayesMse < plugInMse, $"Bayes {bayesMse} vs plug-in {plugInMse}");
        // On the min-max normalised target the irreducible error of the thesis' swiss roll is about 1e-3.
        double normalised = bayesMse / sample.Data.Rows / Math.Pow(max - min, 2);
        Assert.InRange(normalised, 0.0008, 0.0012);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.8)]
    public void RefusesNoiseItCannotHandle(double noise)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            SwissRollBayes.Posterior([5.0, 1.0, 0.0], new SwissRollOptions(Noise: noise)));
        Assert.Contains("noise", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
