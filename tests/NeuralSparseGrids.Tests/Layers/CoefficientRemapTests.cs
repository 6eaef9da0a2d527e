using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// <see cref="CoefficientRemap.Rows"/> against an element-by-element reference: row p of the result is row sources[p]
/// of the input, or exactly zero where sources[p] is -1. The CPU path fills an uninitialised tensor, so every row must
/// be written; the memory it gets is made likely to hold NaNs first.
/// </summary>
[Collection("Torch")]
public sealed class CoefficientRemapTests
{
    public CoefficientRemapTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<ScalarType, bool> Cases => new()
    {
        { ScalarType.Float32, true }, { ScalarType.Float64, true }, { ScalarType.Float32, false }, { ScalarType.Float64, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RowsAreCopiedFromTheirSourcesAndNewRowsAreZero(ScalarType dtype, bool contiguous)
    {
        int[] sources = [3, -1, 0, 4, -1, -1, 1, 2, -1];
        using var generator = new Generator(3);
        using var input = contiguous ? randn([5, 7], dtype, generator: generator) : randn([7, 5], dtype, generator: generator).t();
        for (int k = 0; k < 8; k++) full([sources.Length, 7], double.NaN, dtype).Dispose();

        using var result = CoefficientRemap.Rows(input, sources);

        Assert.Equal(new long[] { sources.Length, 7 }, result.shape);
        Assert.Equal(dtype, result.dtype);
        Assert.False(result.requires_grad);
        var x = input.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        var y = result.to(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int p = 0; p < sources.Length; p++)
            for (int k = 0; k < 7; k++)
                Assert.Equal(sources[p] >= 0 ? x[sources[p] * 7 + k] : 0.0, y[p * 7 + k]);
    }

    [Fact]
    public void AnEmptyInputGivesZeroRowsAndABadSourceIsRefused()
    {
        using var empty = zeros([0, 3]);
        using var grown = CoefficientRemap.Rows(empty, [-1, -1]);
        Assert.Equal(new long[] { 2, 3 }, grown.shape);
        Assert.All(grown.data<float>().ToArray(), v => Assert.Equal(0f, v));
        using var two = ones([2, 3]);
        Assert.Throws<ArgumentException>(() => CoefficientRemap.Rows(two, [0, 2]));
    }
}
