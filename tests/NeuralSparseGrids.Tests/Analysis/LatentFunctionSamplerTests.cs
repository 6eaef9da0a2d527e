using NeuralSparseGrids.Analysis;

namespace NeuralSparseGrids.Tests.Analysis;

public class LatentFunctionSamplerTests
{
    [Fact]
    public void SamplesCellCentresRowZeroAtBottom()
    {
        var v = LatentFunctionSampler.Sample2D(p => p[0] + 10 * p[1], 2, (0, 1, 0, 2));
        // x centres 0.25, 0.75; y centres 0.5, 1.5.
        Assert.Equal(new[] { 5.25, 5.75, 15.25, 15.75 }, v);
    }

    [Fact]
    public void BatchedAgreesWithPointwise()
    {
        var extent = new Extent2D(-1, 1, 0, 1);
        var a = LatentFunctionSampler.Sample2D(p => Math.Sin(p[0]) * p[1], 7, extent);
        var b = LatentFunctionSampler.Sample2DBatched(points =>
        {
            var r = new double[points.Length / 2];
            for (int i = 0; i < r.Length; i++) r[i] = Math.Sin(points[2 * i]) * points[2 * i + 1];
            return r;
        }, 7, extent);
        Assert.Equal(a, b);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => LatentFunctionSampler.Sample2D(_ => 0, 4, (1, 0, 0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatentFunctionSampler.Sample2D(_ => 0, 0, Extent2D.Unit));
        var e = Assert.Throws<ArgumentException>(() => LatentFunctionSampler.Sample2DBatched(_ => new double[3], 2, Extent2D.Unit));
        Assert.Contains("3 values for 4 points", e.Message);
    }
}
