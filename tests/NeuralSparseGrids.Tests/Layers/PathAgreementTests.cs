using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

[Collection("Torch")]
public class PathAgreementTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var type in LayerTestData.AllTypes)
        {
            foreach (int n in new[] { 1, 2, 3, 4, 5, 6 }) yield return [type, 1, n];
            foreach (int n in new[] { 1, 3, 6 }) yield return [type, 2, n];
            foreach (int n in new[] { 2, 4 }) yield return [type, 3, n];
            // V^0B in 8-D has 4.5 million points already at n = 1 (level 0 in every dimension): test it in 4-D.
            if (type == GridType.LinearBoundary) foreach (int n in new[] { 1, 2 }) yield return [type, 4, n];
            else foreach (int n in type == GridType.LinearExtendedBoundary ? new[] { 1, 2 } : new[] { 1, 2, 3 }) yield return [type, 8, n];
        }
    }

    // The fused forward pass keeps its group of terms 128 samples apart for batches up to 128 (constant offsets in
    // the row loop) and n apart above: both sides of that line, with full groups (many subspaces) and one row tile.
    [Theory]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(129)]
    [InlineData(200)]
    public void FusedAgreesWithDenseOnBothSidesOfTheFixedGroupStride(int batch)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var scope = NewDisposeScope();
            double tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
            var layer = new SparseGridLayer(4, 5, GridType.Linear, 10, new SparseGridLayerOptions { DType = dtype });
            var c0 = LayerTestData.Coefficients(layer.Grid.PointCount, 10, batch, dtype);
            var h0 = LayerTestData.Points(batch, 4, layer.Grid.MaxLevel1D, batch + 1, dtype);
            var upstream = LayerTestData.Coefficients(batch, 10, 5, dtype);
            var results = new List<(Tensor y, Tensor gh, Tensor gc)>();
            foreach (var path in new[] { LayerPath.Fused, LayerPath.Dense })
            {
                var h = h0.clone().requires_grad_(true);
                var c = c0.clone().requires_grad_(true);
                var y = layer.Evaluate(h, c, path);
                (y * upstream).sum().backward();
                results.Add((y.detach(), h.grad!.clone(), c.grad!.clone()));
            }
            Assert.True(LayerTestData.MaxAbsDiff(results[0].y, results[1].y) <= tol * Math.Max(1, LayerTestData.MaxAbs(results[1].y)), $"{dtype} value");
            Assert.True(LayerTestData.MaxAbsDiff(results[0].gh, results[1].gh) <= tol * Math.Max(1, LayerTestData.MaxAbs(results[1].gh)), $"{dtype} dL/dh");
            Assert.True(LayerTestData.MaxAbsDiff(results[0].gc, results[1].gc) <= tol * Math.Max(1, LayerTestData.MaxAbs(results[1].gc)), $"{dtype} dL/dC");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThreePathsAgreeInValueAndGradient(GridType type, int dim, int level)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            using var scope = NewDisposeScope();
            double tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
            var layer = new SparseGridLayer(dim, level, type, 3, new SparseGridLayerOptions { DType = dtype });
            var c0 = LayerTestData.Coefficients(layer.Grid.PointCount, 3, level * 31 + dim, dtype);
            var h0 = LayerTestData.Points(24, dim, layer.Grid.MaxLevel1D, level * 7 + dim, dtype);
            var upstream = LayerTestData.Coefficients(24, 3, 5, dtype);
            var results = new List<(Tensor y, Tensor gh, Tensor gc)>();
            foreach (var path in new[] { LayerPath.Fused, LayerPath.TensorOps, LayerPath.Dense })
            {
                var h = h0.clone().requires_grad_(true);
                var c = c0.clone().requires_grad_(true);
                var y = layer.Evaluate(h, c, path);
                (y * upstream).sum().backward();
                results.Add((y.detach(), h.grad!.clone(), c.grad!.clone()));
            }
            double scaleY = Math.Max(1, LayerTestData.MaxAbs(results[2].y));
            double scaleH = Math.Max(1, LayerTestData.MaxAbs(results[2].gh));
            double scaleC = Math.Max(1, LayerTestData.MaxAbs(results[2].gc));
            for (int p = 0; p < 2; p++)
            {
                Assert.True(LayerTestData.MaxAbsDiff(results[p].y, results[2].y) <= tol * scaleY, $"{dtype} path {p} value differs from dense by {LayerTestData.MaxAbsDiff(results[p].y, results[2].y)}");
                Assert.True(LayerTestData.MaxAbsDiff(results[p].gh, results[2].gh) <= tol * scaleH, $"{dtype} path {p} dL/dh differs from dense by {LayerTestData.MaxAbsDiff(results[p].gh, results[2].gh)}");
                Assert.True(LayerTestData.MaxAbsDiff(results[p].gc, results[2].gc) <= tol * scaleC, $"{dtype} path {p} dL/dC differs from dense by {LayerTestData.MaxAbsDiff(results[p].gc, results[2].gc)}");
            }
        }
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void BasisMatrixMatchesGridBasisValues(GridType type)
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(3, 3, type, 1, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var h = LayerTestData.Points(10, 3, layer.Grid.MaxLevel1D, 3, ScalarType.Float64);
        var k = layer.BasisMatrix(h);
        var hs = h.data<double>().ToArray();
        var ks = k.data<double>().ToArray();
        long g = layer.Grid.PointCount;
        for (int b = 0; b < 10; b++)
            for (long p = 0; p < g; p++)
                Assert.Equal(layer.Grid.BasisValue(p, hs.AsSpan(b * 3, 3)), ks[b * g + p], 12);
    }

    [Fact]
    public void SparseBasisEqualsDenseBasis()
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(2, 4, GridType.LinearBoundary, 1, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var h = LayerTestData.Points(9, 2, layer.Grid.MaxLevel1D, 4, ScalarType.Float64);
        using var sparse = layer.SparseBasisMatrix(h);
        Assert.Equal(10, sparse.RowOffsets.shape[0]);
        var dense = sparse.ToSparseCoo().to_dense();
        Assert.True(LayerTestData.MaxAbsDiff(dense, layer.BasisMatrix(h)) < 1e-14);
        var cols = sparse.Columns.view(9, -1);
        Assert.True((cols[.., 1..] > cols[.., ..^1]).all().item<bool>(), "columns ascend within rows");
    }

    [Fact]
    public void BasisMatrixIsDifferentiable()
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(2, 3, GridType.Linear, 1, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var h = tensor(new[] { 0.3, 0.7, 0.12, 0.9 }, [2, 2], ScalarType.Float64).requires_grad_(true);
        var c = LayerTestData.Coefficients(layer.Grid.PointCount, 1, 1, ScalarType.Float64);
        layer.BasisMatrix(h).matmul(c).sum().backward();
        var viaK = h.grad!.clone();
        var h2 = h.detach().clone().requires_grad_(true);
        layer.Evaluate(h2, c, LayerPath.Fused).sum().backward();
        Assert.True(LayerTestData.MaxAbsDiff(viaK, h2.grad!) < 1e-12);
    }
}
