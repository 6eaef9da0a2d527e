using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

[Collection("Torch")]
public class LayerLifecycleTests
{
    [Theory]
    [InlineData(LayerPath.Fused)]
    [InlineData(LayerPath.TensorOps)]
    public void LiveTensorCountStaysFlatOverTrainingSteps(LayerPath path)
    {
        var layer = new SparseGridLayer(3, 4, GridType.Linear, 2, new SparseGridLayerOptions { Init = CoefficientInit.SmallNormal, Seed = 3, Path = path });
        var optimizer = optim.Adam(layer.parameters(), 1e-2);
        var h = LayerTestData.Points(32, 3, 4, 1, ScalarType.Float32);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var x = h.clone().requires_grad_(true);
            var loss = layer.forward(x).pow(2).mean();
            loss.backward();
            optimizer.step();
        }
        for (int i = 0; i < 3; i++) Step();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++) Step();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after} over 20 steps");
    }

    [Fact]
    public void CoefficientInitialisation()
    {
        using var scope = NewDisposeScope();
        var zero = new SparseGridLayer(2, 5, GridType.Linear, 3);
        Assert.Equal(new long[] { 129, 3 }, zero.Coefficients.shape);
        Assert.Equal(0.0, LayerTestData.MaxAbs(zero.Coefficients));
        var opts = new SparseGridLayerOptions { Init = CoefficientInit.SmallNormal, InitStd = 0.05, Seed = 42, DType = ScalarType.Float64 };
        var a = new SparseGridLayer(4, 5, GridType.Linear, 4, opts);
        var b = new SparseGridLayer(4, 5, GridType.Linear, 4, opts);
        Assert.Equal(ScalarType.Float64, a.Coefficients.dtype);
        Assert.Equal(0.0, LayerTestData.MaxAbsDiff(a.Coefficients, b.Coefficients));
        double std = a.Coefficients.std().item<double>();
        Assert.InRange(std, 0.045, 0.055);
        Assert.True(a.Coefficients.requires_grad);
        Assert.Single(a.parameters());
    }

    [Fact]
    public void CoefficientsFromASolveReceiveGradients()
    {
        // Least-squares style: C depends on h through a differentiable computation; the fused path must pass dL/dC on.
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(2, 3, GridType.LinearBoundary, 1, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var h = LayerTestData.Points(40, 2, 3, 9, ScalarType.Float64).requires_grad_(true);
        var y = (h.select(1, 0) * h.select(1, 1)).unsqueeze(1).detach();
        Tensor Solve(Tensor x)
        {
            var k = layer.BasisMatrix(x);
            var gram = k.t().matmul(k) + 1e-6 * eye(k.shape[1], dtype: ScalarType.Float64);
            return linalg.solve(gram, k.t().matmul(y));
        }
        var grads = new List<Tensor>();
        foreach (var path in new[] { LayerPath.Fused, LayerPath.Dense })
        {
            var x = h.detach().clone().requires_grad_(true);
            var c = Solve(x);
            (layer.Evaluate(x, c, path) - y).pow(2).sum().backward();
            grads.Add(x.grad!.clone());
        }
        Assert.True(LayerTestData.MaxAbsDiff(grads[0], grads[1]) < 1e-8);
        Assert.True(LayerTestData.MaxAbs(grads[0]) > 0);
    }

    [Fact]
    public void FusedMemoryIsLinearInBatchAndPoints()
    {
        // The d = 8, n = 7 target: the fused step's extra memory is O(batch d L + points outputs), far below batch x points.
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(8, 7, GridType.Linear, 10);
        long bytes = layer.FusedPeakBytes(128);
        long linear = 4L * (128 * 8 + 141569 * 10);
        Assert.InRange(bytes, linear, 4 * linear);
        Assert.True(bytes < 128L * 141569 * 4 / 10);
    }
}
