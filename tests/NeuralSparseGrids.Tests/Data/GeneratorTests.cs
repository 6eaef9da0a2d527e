using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class GeneratorTests
{
    [Fact]
    public void SwissRoll_HasThesisShapeAndNames()
    {
        var d = SwissRoll.Generate(null, 1);
        Assert.Equal(8000, d.Rows);
        Assert.Equal(3, d.Columns);
        Assert.Equal(DatasetTask.Regression, d.Task);
        Assert.Equal(1, d.TargetCount);
        Assert.Equal(["x1", "x2", "x3"], d.FeatureNames);
        Assert.Equal(["y"], d.TargetNames);
    }

    [Fact]
    public void SwissRoll_RadiusStaysWithinRollRangePlusNoise()
    {
        const double noise = 0.1;
        var d = SwissRoll.Generate(new SwissRollOptions(Count: 4000, Noise: noise), 7);
        double lo = double.MaxValue, hi = double.MinValue;
        for (int i = 0; i < d.Rows; i++)
        {
            double r = Math.Sqrt(d.Feature(i, 0) * d.Feature(i, 0) + d.Feature(i, 2) * d.Feature(i, 2));
            Assert.InRange(r, 1.5 * Math.PI - 4 * noise, 4.5 * Math.PI + 4 * noise);
            Assert.InRange(d.Feature(i, 1), -4 * noise, 3 + 4 * noise);
            lo = Math.Min(lo, r);
            hi = Math.Max(hi, r);
        }
        // The whole roll is covered, not just part of it.
        Assert.True(lo < 1.5 * Math.PI + 0.3, $"min radius {lo}");
        Assert.True(hi > 4.5 * Math.PI - 0.3, $"max radius {hi}");
    }

    [Theory]
    [InlineData(SwissRollT.Radians)]
    [InlineData(SwissRollT.Unit)]
    public void SwissRoll_NoiseFreeResponseFollowsFormula(SwissRollT mode)
    {
        var d = SwissRoll.Generate(new SwissRollOptions(Count: 500, Noise: 0, TMode: mode), 3);
        for (int i = 0; i < d.Rows; i++)
        {
            double x1 = d.Feature(i, 0), h = d.Feature(i, 1), x3 = d.Feature(i, 2);
            double t = Math.Sqrt(x1 * x1 + x3 * x3); // t > 0, so the radius is t
            Assert.Equal(t * Math.Cos(t), x1, 9);
            Assert.Equal(t * Math.Sin(t), x3, 9);
            double s = mode == SwissRollT.Radians ? t : (t - 1.5 * Math.PI) / (3 * Math.PI);
            Assert.Equal(Math.Sin(5 * Math.PI * s) + h * h, d.Targets![i, 0], 7);
        }
    }

    [Fact]
    public void SwissRoll_SampleExposesLatentAndExtraDimensionsArePureNoise()
    {
        var s = SwissRoll.Sample(new SwissRollOptions(Count: 3000, Noise: 0.5, Dimensions: 5), 11);
        Assert.Equal(5, s.Data.Columns);
        Assert.All(s.T, t => Assert.InRange(t, SwissRoll.TMin, SwissRoll.TMax));
        Assert.All(s.H, h => Assert.InRange(h, 0, 3));
        for (int col = 3; col < 5; col++)
        {
            var v = Enumerable.Range(0, 3000).Select(i => s.Data.Feature(i, col)).ToArray();
            double mean = v.Average(), sd = Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average());
            Assert.InRange(mean, -0.05, 0.05);
            Assert.InRange(sd, 0.45, 0.55);
        }
        double res = Enumerable.Range(0, 3000).Select(i => s.Data.Feature(i, 1) - s.H[i]).Select(x => x * x).Average();
        Assert.InRange(Math.Sqrt(res), 0.45, 0.55); // x2 = h + N(0, 0.5^2)
    }

    [Fact]
    public void SwissRoll_SameSeedSameData_OtherSeedOtherData()
    {
        var o = new SwissRollOptions(Count: 200);
        var a = SwissRoll.Generate(o, 42);
        var b = SwissRoll.Generate(o, 42);
        var c = SwissRoll.Generate(o, 43);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Targets, b.Targets);
        Assert.NotEqual(a.Features, c.Features);
    }

    [Fact]
    public void SwissRoll_RejectsBadOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SwissRoll.Generate(new SwissRollOptions(Dimensions: 2), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SwissRoll.Generate(new SwissRollOptions(Noise: -1), 0));
    }

    [Fact]
    public void TwoMoons_IsBalancedThreeDimensionalAndShaped()
    {
        var d = TwoMoons.Generate(null, 5);
        Assert.Equal(8000, d.Rows);
        Assert.Equal(3, d.Columns);
        Assert.Equal(DatasetTask.Classification, d.Task);
        Assert.Equal(2, d.ClassCount);
        Assert.Equal([4000, 4000], d.ClassCounts());
        var z = Enumerable.Range(0, d.Rows).Select(i => d.Feature(i, 2)).ToArray();
        Assert.All(z, v => Assert.InRange(v, 0, 1));
        Assert.InRange(z.Average(), 0.48, 0.52);
        // Class means of the classic moons: outer (0) ~ (0, 2/pi), inner (1) ~ (1, 0.5 - 2/pi).
        for (int k = 0; k < 2; k++)
        {
            var rows = Enumerable.Range(0, d.Rows).Where(i => d.Labels![i] == k).ToArray();
            double m1 = rows.Average(i => d.Feature(i, 0)), m2 = rows.Average(i => d.Feature(i, 1));
            Assert.Equal(k == 0 ? 0.0 : 1.0, m1, 1);
            Assert.Equal(k == 0 ? 2 / Math.PI : 0.5 - 2 / Math.PI, m2, 1);
        }
        // Rows are shuffled: the first 100 contain both classes.
        Assert.Equal(2, d.Labels!.Take(100).Distinct().Count());
    }

    [Fact]
    public void TwoMoons_NoiseFreePointsLieOnTheHalfCircles()
    {
        var d = TwoMoons.Generate(new TwoMoonsOptions(Count: 101, Noise: 0), 1);
        Assert.Equal([50, 51], d.ClassCounts());
        for (int i = 0; i < d.Rows; i++)
        {
            double x1 = d.Feature(i, 0), x2 = d.Feature(i, 1);
            double r = d.Labels![i] == 0 ? Math.Sqrt(x1 * x1 + x2 * x2) : Math.Sqrt((x1 - 1) * (x1 - 1) + (x2 - 0.5) * (x2 - 0.5));
            Assert.Equal(1.0, r, 9);
            Assert.True(d.Labels[i] == 0 ? x2 >= -1e-12 : x2 <= 0.5 + 1e-12);
        }
    }

    [Fact]
    public void TwoMoons_IsDeterministicPerSeed()
    {
        var a = TwoMoons.Generate(new TwoMoonsOptions(300), 9);
        var b = TwoMoons.Generate(new TwoMoonsOptions(300), 9);
        var c = TwoMoons.Generate(new TwoMoonsOptions(300), 10);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Features, c.Features);
    }
}
