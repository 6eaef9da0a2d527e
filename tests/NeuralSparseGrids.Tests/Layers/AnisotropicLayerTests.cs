using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Tests.Grids;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>All three layer paths on an anisotropic subspace set agree with the brute-force reference.</summary>
[Collection("Torch")]
public class AnisotropicLayerTests
{
    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void EveryPathMatchesTheBruteForceReference(GridType type) => CheckPaths(GridDescriptionTests.Anisotropic(type));

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void EveryPathMatchesTheBruteForceReferenceOnAnAnisotropicRegularGrid(GridType type) =>
        CheckPaths(SparseGrid.CreateAnisotropic([5, 2, 3], type));

    [Fact]
    public void EveryPathMatchesTheBruteForceReferenceOnADimensionAdaptiveSet() =>
        CheckPaths(SparseGrid.FromDownwardClosedSubspaces(3, GridType.Linear, [[1, 1, 1], [2, 1, 1], [3, 1, 1], [1, 1, 2], [2, 1, 2], [1, 1, 3], [1, 2, 1], [4, 1, 1]]));

    /// <summary>Values and dy/dh of the fused, tensor-op and dense paths against the brute-force reference (also used for spatially adaptive grids).</summary>
    internal static void CheckPaths(SparseGrid grid)
    {
        using var scope = NewDisposeScope();
        const int outputs = 2, batch = 30;
        int d = grid.Dim;
        var layer = new SparseGridLayer(grid, outputs, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var c = LayerTestData.Coefficients(grid.PointCount, outputs, 11, ScalarType.Float64);
        var h = LayerTestData.Points(batch, d, grid.MaxLevel1D, 5, ScalarType.Float64);
        var expected = new double[batch * outputs];
        BruteForceEvaluator.Evaluate(grid, c.data<double>().ToArray(), h.data<double>().ToArray(), expected);
        var expectedGrad = new double[batch * outputs * d];
        BruteForceEvaluator.Gradient(grid, c.data<double>().ToArray(), h.data<double>().ToArray(), expectedGrad);
        foreach (var path in new[] { LayerPath.Fused, LayerPath.TensorOps, LayerPath.Dense })
        {
            var y = layer.Evaluate(h, c, path).data<double>().ToArray();
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-10, $"{path}: value {i} is {y[i]}, reference {expected[i]}");
            for (int o = 0; o < outputs; o++)
            {
                // d y[:, o] / dh through autograd (each sample's output depends on its own row only).
                var hg = h.clone().requires_grad_(true);
                layer.Evaluate(hg, c, path).select(1, o).sum().backward();
                var g = hg.grad!.data<double>().ToArray();
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < d; j++)
                    {
                        double reference = expectedGrad[(b * outputs + o) * d + j];
                        Assert.True(Math.Abs(reference - g[b * d + j]) <= 1e-8 * Math.Max(1, Math.Abs(reference)), $"{path}: dy{o}/dh[{b},{j}] is {g[b * d + j]}, reference {reference}");
                    }
            }
        }
    }
}
