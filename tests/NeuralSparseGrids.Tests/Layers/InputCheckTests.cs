using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

[Collection("Torch")]
public class InputCheckTests
{
    [Theory]
    [InlineData(LayerPath.Fused)]
    [InlineData(LayerPath.TensorOps)]
    [InlineData(LayerPath.Dense)]
    public void RejectsNaNInfAndOutOfRangeWithCountAndFirstRow(LayerPath path)
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(2, 3, GridType.Linear, 1) { Path = path };
        var h = tensor(new float[] { 0.5f, 0.5f, 0.2f, 0.3f, float.NaN, 0.1f, 0.4f, 1.1f, 0.2f, float.PositiveInfinity }, [5, 2]);
        var e = Assert.Throws<ArgumentException>(() => layer.forward(h));
        Assert.Contains("3 of 5 rows", e.Message);
        Assert.Contains("first offending row 2", e.Message);
        Assert.Contains("Clamp", e.Message);
        var cudaLike = tensor(new float[] { 0.5f, 0.5f, -0.01f, 0.3f }, [2, 2]).t().contiguous().t(); // non-contiguous: torch scan
        var e2 = Assert.Throws<ArgumentException>(() => layer.forward(cudaLike));
        Assert.Contains("1 of 2 rows", e2.Message);
        Assert.Contains("first offending row 1", e2.Message);
    }

    [Fact]
    public void AcceptsValuesWithinToleranceAndClampsThem()
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(1, 3, GridType.LinearBoundary, 1, new SparseGridLayerOptions { DType = ScalarType.Float64, Init = CoefficientInit.SmallNormal, Seed = 1 });
        var inside = layer.forward(tensor(new[] { 1 + 5e-7, -5e-7 }, [2, 1], ScalarType.Float64));
        var exact = layer.forward(tensor(new[] { 1.0, 0.0 }, [2, 1], ScalarType.Float64));
        Assert.True(LayerTestData.MaxAbsDiff(inside, exact) < 1e-15);
    }

    [Theory]
    [InlineData(LayerPath.Fused)]
    [InlineData(LayerPath.TensorOps)]
    [InlineData(LayerPath.Dense)]
    public void ClampOptionClampsWithZeroGradientButStillRejectsNaN(LayerPath path)
    {
        using var scope = NewDisposeScope();
        var options = new SparseGridLayerOptions { DType = ScalarType.Float64, Clamp = true, Init = CoefficientInit.SmallNormal, Seed = 2, Path = path };
        var layer = new SparseGridLayer(2, 3, GridType.ModifiedLinear, 2, options);
        var h = tensor(new[] { 1.5, 0.25, -3.0, 0.75 }, [2, 2], ScalarType.Float64).requires_grad_(true);
        var y = layer.forward(h);
        var yClamped = layer.forward(tensor(new[] { 1.0, 0.25, 0.0, 0.75 }, [2, 2], ScalarType.Float64));
        Assert.True(LayerTestData.MaxAbsDiff(y, yClamped) < 1e-15);
        y.sum().backward();
        var g = h.grad!.data<double>().ToArray();
        Assert.Equal(0.0, g[0]);
        Assert.Equal(0.0, g[2]);
        var e = Assert.Throws<ArgumentException>(() => layer.forward(tensor(new[] { double.NaN, 0.5 }, [1, 2], ScalarType.Float64)));
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void RejectsWrongShapes()
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(3, 2, GridType.Linear, 1);
        Assert.Throws<ArgumentException>(() => layer.forward(zeros(4, 2)));
        Assert.Throws<ArgumentException>(() => layer.Evaluate(zeros(4, 3), zeros(5, 1)));
    }

    [Fact]
    public void DenseRefusesAboveBudgetWithFigures()
    {
        using var scope = NewDisposeScope();
        var layer = new SparseGridLayer(2, 4, GridType.Linear, 1, new SparseGridLayerOptions { DenseMaxBytes = 1000, Path = LayerPath.Dense });
        var e = Assert.Throws<DenseBasisTooLargeException>(() => layer.forward(full(10, 2, 0.5f)));
        Assert.Equal(10, e.Rows);
        Assert.Equal(49, e.Points);
        Assert.Equal(10 * 49 * 4, e.Bytes);
        Assert.Contains("N = 10", e.Message);
    }
}
