using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Plotting;
using NeuralSparseGrids.Tests.Plotting;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Analysis;

/// <summary>The analysis pieces take what an encoder produces: sigmoid-rescaled (batch, d) float tensors.</summary>
[Collection("Torch")]
public class EncoderToAnalysisTests
{
    public EncoderToAnalysisTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void EmbeddingsOfAnUntrainedMlpActivateFewPointsAndPlot()
    {
        using var encoder = new MlpEncoder(new[] { 3, 25, 25, 2 }, Activation.Tanh, seed: 5);
        using var x = torch.rand(new long[] { 256, 3 }, generator: new Generator(6));
        float[] h;
        using (torch.no_grad())
        using (var raw = encoder.forward(x))
        using (var scaled = raw.sigmoid())
            h = scaled.data<float>().ToArray();

        var grid = SparseGrid.Create(2, 5);
        var activated = ActivatedPoints.Count(grid, h, 256);
        var stats = LatentStatistics.Compute(h, 256, 2, grid);
        // An untrained encoder maps everything near the centre (thesis Sec. 3.5.2): small cloud, few activated points.
        Assert.True(stats.Diameter < 0.5, $"diameter {stats.Diameter}");
        Assert.InRange(activated.Activated, 1, grid.PointCount - 1);

        using var dir = new TempDir();
        Plots.Embeddings2D(dir.File("untrained.png"), h, gridPoints: grid.AllCoordinates(), activatedMask: activated.Mask,
            title: $"{activated.Activated} of {activated.Total} grid points activated");
        PngAssert.IsPng(dir.File("untrained.png"));

        // A heatmap of a torch function of the latent space through the batch sampler.
        using var head = new EqualParameterHead(grid.PointCount, 2, 1, Activation.ReLU, seed: 1);
        var values = LatentFunctionSampler.Sample2DBatched(points =>
        {
            using var _ = torch.no_grad();
            using var t = torch.tensor(points, dtype: ScalarType.Float32).reshape(-1, 2);
            using var y = head.forward(t);
            return y.data<float>().Select(v => (double)v).ToArray();
        }, 16, Extent2D.Unit);
        Plots.Heatmap(dir.File("head.png"), values, Extent2D.Unit, "equal-parameter head", h);
        PngAssert.IsPng(dir.File("head.png"));
    }
}
