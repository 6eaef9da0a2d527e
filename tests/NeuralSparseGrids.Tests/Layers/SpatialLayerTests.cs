using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Tests.Grids;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// The three layer paths on spatially adaptive grids (partial subspaces) against the brute-force reference, central
/// differences, and each other's coefficient gradients. Linear, ModifiedLinear and LinearBoundary: the types with a
/// point hierarchy (LinearExtendedBoundary refuses partial subspaces, see SparseGrid.FromPointSets).
/// </summary>
[Collection("Torch")]
public class SpatialLayerTests
{
    public static TheoryData<GridType, int> Types => new()
    {
        { GridType.Linear, 2 }, { GridType.Linear, 3 }, { GridType.ModifiedLinear, 3 }, { GridType.LinearBoundary, 2 },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryPathMatchesTheBruteForceReference(GridType type, int dim) =>
        AnisotropicLayerTests.CheckPaths(SpatialGrids.Random(type, dim, 2, 12, 21));

    [Theory]
    [MemberData(nameof(Types))]
    public void FusedGradientsMatchCentralDifferences(GridType type, int dim) =>
        FiniteDifferenceTests.CheckAgainstCentralDifferences(new SparseGridLayer(SpatialGrids.Random(type, dim, 2, 12, 23), 2, new SparseGridLayerOptions { DType = ScalarType.Float64 }));

    [Theory]
    [MemberData(nameof(Types))]
    public void CoefficientGradientsAgreeOnEveryPathAndAbsentPointsGetNone(GridType type, int dim)
    {
        using var scope = NewDisposeScope();
        var grid = SpatialGrids.Random(type, dim, 2, 12, 25);
        var layer = new SparseGridLayer(grid, 3, new SparseGridLayerOptions { DType = ScalarType.Float64 });
        var h = LayerTestData.Points(64, dim, grid.MaxLevel1D, 9, ScalarType.Float64);
        var r = LayerTestData.Coefficients(64, 3, 10, ScalarType.Float64);
        Tensor? reference = null;
        foreach (var path in new[] { LayerPath.Dense, LayerPath.TensorOps, LayerPath.Fused })
        {
            var c = LayerTestData.Coefficients(grid.PointCount, 3, 11, ScalarType.Float64).requires_grad_(true);
            (layer.Evaluate(h, c, path) * r).sum().backward();
            if (reference is null) reference = c.grad!.clone();
            else Assert.True(LayerTestData.MaxAbsDiff(reference, c.grad!) < 1e-10, $"{path}: dL/dC differs from the dense path's");
        }
        // The dense reference K^T r is checked against the brute-force basis values in EveryPathMatchesTheBruteForceReference;
        // here also the sparse basis: per row one stored entry per term, absent points with value 0.
        var (columns, values) = layer.BasisEntries(h);
        Assert.True(columns.max().item<long>() < grid.PointCount);
        var k = layer.BasisMatrix(h);
        var fromEntries = zeros_like(k).scatter_add_(1, columns, values);
        Assert.True(LayerTestData.MaxAbsDiff(k, fromEntries) < 1e-12);
    }

    [Fact]
    public void AFusedForwardOnARegularGridIsUnchangedByTheLookupStep()
    {
        // A point set naming every point is a full subspace: same grid, same bits.
        using var scope = NewDisposeScope();
        var regular = SparseGrid.Create(2, 4);
        var sets = Enumerable.Range(0, regular.SubspaceCount).Select(s => (IReadOnlyList<int>?)Enumerable.Range(0, regular.FullSubspaceSize(s)).ToArray()).ToArray();
        var same = SparseGrid.FromPointSets(2, GridType.Linear, GridRemap.LevelVectors(regular), sets);
        Assert.False(same.HasPartialSubspaces);
        var h = LayerTestData.Points(40, 2, 5, 3, ScalarType.Float32);
        var c = LayerTestData.Coefficients(regular.PointCount, 2, 4, ScalarType.Float32);
        var a = new SparseGridLayer(regular, 2).Evaluate(h, c, LayerPath.Fused);
        var b = new SparseGridLayer(same, 2).Evaluate(h, c, LayerPath.Fused);
        Assert.True((a == b).all().item<bool>());
    }
}
