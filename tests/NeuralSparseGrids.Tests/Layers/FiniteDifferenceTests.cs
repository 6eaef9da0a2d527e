using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

[Collection("Torch")]
public class FiniteDifferenceTests
{
    [Theory]
    [InlineData(GridType.Linear, 3, 3)]
    [InlineData(GridType.LinearBoundary, 2, 3)]
    [InlineData(GridType.LinearExtendedBoundary, 3, 2)]
    [InlineData(GridType.ModifiedLinear, 3, 3)]
    [InlineData(GridType.Linear, 8, 2)]
    public void FusedGradientsMatchCentralDifferences(GridType type, int dim, int level) =>
        CheckAgainstCentralDifferences(new SparseGridLayer(dim, level, type, 2, new SparseGridLayerOptions { DType = ScalarType.Float64 }));

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void FusedGradientsMatchCentralDifferencesOnAnAnisotropicGrid(GridType type) =>
        CheckAgainstCentralDifferences(new SparseGridLayer(SparseGrid.CreateAnisotropic([4, 2, 3], type), 2, new SparseGridLayerOptions { DType = ScalarType.Float64 }));

    /// <summary>The fused path's dL/dh and dL/dC against central differences (also used for spatially adaptive grids).</summary>
    internal static void CheckAgainstCentralDifferences(SparseGridLayer layer)
    {
        using var scope = NewDisposeScope();
        int dim = layer.Grid.Dim;
        var c = LayerTestData.Coefficients(layer.Grid.PointCount, 2, 11, ScalarType.Float64).requires_grad_(true);
        var rng = new Random(5);
        int batch = 6;
        // Interior points away from cell faces by more than the step (random doubles hit a face with probability ~0).
        var hData = Enumerable.Range(0, batch * dim).Select(_ => 0.02 + 0.96 * rng.NextDouble()).ToArray();
        var h = tensor(hData, [batch, dim], ScalarType.Float64).requires_grad_(true);
        var r = LayerTestData.Coefficients(batch, 2, 12, ScalarType.Float64);
        (layer.Evaluate(h, c, LayerPath.Fused) * r).sum().backward();
        var gh = h.grad!.data<double>().ToArray();

        double Loss(double[] x, Tensor coeffs)
        {
            using var s = NewDisposeScope();
            using var ng = no_grad();
            return (layer.Evaluate(tensor(x, [batch, dim], ScalarType.Float64), coeffs, LayerPath.Fused) * r).sum().item<double>();
        }

        const double eps = 1e-7;
        for (int i = 0; i < hData.Length; i++)
        {
            var plus = (double[])hData.Clone(); plus[i] += eps;
            var minus = (double[])hData.Clone(); minus[i] -= eps;
            double fd = (Loss(plus, c.detach()) - Loss(minus, c.detach())) / (2 * eps);
            Assert.True(Math.Abs(fd - gh[i]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"dL/dh[{i}]: fused {gh[i]}, finite difference {fd}");
        }

        var gc = c.grad!.data<double>().ToArray();
        var c0 = c.detach().clone();
        var cData = c0.data<double>().ToArray();
        for (int p = 0; p < cData.Length; p += Math.Max(1, cData.Length / 40))
        {
            var plus = (double[])cData.Clone(); plus[p] += 1e-3;
            var minus = (double[])cData.Clone(); minus[p] -= 1e-3;
            double fd = (Loss(hData, tensor(plus, c0.shape, ScalarType.Float64)) - Loss(hData, tensor(minus, c0.shape, ScalarType.Float64))) / 2e-3;
            Assert.True(Math.Abs(fd - gc[p]) <= 1e-8 * Math.Max(1, Math.Abs(fd)), $"dL/dC[{p}]: fused {gc[p]}, finite difference {fd}");
        }
    }

    [Fact]
    public void KinkSubgradientIsTheRightDerivative()
    {
        // Linear, d = 1, n = 2: functions (1,1) peak at 0.5, (2,1) on [0, 0.5], (2,3) on [0.5, 1].
        // At x = 0.5: cell [0.5, 1]; right derivatives: phi_{1,1}' = -2, phi_{2,3}' = +4, phi_{2,1} inactive.
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(1, 2, GridType.Linear, 1, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var c = tensor(new[] { 1.0, 10.0, 100.0 }, [3, 1], ScalarType.Float64);
        foreach (var path in new[] { LayerPath.Fused, LayerPath.TensorOps, LayerPath.Dense })
        {
            var h = tensor(new[] { 0.5, 1.0 }, [2, 1], ScalarType.Float64).requires_grad_(true);
            layer.Evaluate(h, c, path).sum().backward();
            var g = h.grad!.data<double>().ToArray();
            Assert.Equal(-2 * 1.0 + 4 * 100.0, g[0], 12);
            Assert.Equal(-2 * 1.0 - 4 * 100.0, g[1], 12); // x = 1: left derivatives of phi_{1,1} (-2) and phi_{2,3} (-4)
        }
    }
}
