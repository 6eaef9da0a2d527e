using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Models;

[Collection("Torch")]
public sealed class VerifiedConv2dTests
{
    public VerifiedConv2dTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(4, 4, 3, 1, 1)]   // widths that break libtorch's float32 input gradient on some CPUs
    [InlineData(24, 24, 3, 1, 1)]
    [InlineData(4, 8, 3, 2, 1)]
    [InlineData(32, 32, 3, 1, 1)] // the default width
    public void InputAndWeightGradientsMatchAFloat64Reference(int inC, int outC, int k, int stride, int padding)
    {
        // Many passes, because the libtorch fault this guards against strikes at random (see ConvolutionCheck).
        torch.manual_seed(3);
        using var conv = new VerifiedConv2d(inC, outC, k, stride, padding);
        var generator = new Generator(5);
        for (int pass = 0; pass < 40; pass++)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.rand(new long[] { 8, inC, 16, 16 }, generator: generator).requires_grad_(true);
            var y = conv.forward(x);
            Assert.Equal(ScalarType.Float32, y.dtype);
            var g = torch.randn(y.shape, generator: generator);
            (y * g).sum().backward();

            // Independent reference: the same convolution in float64 (transposed convolution for the input gradient).
            var w64 = conv.Weight.detach().to(ScalarType.Float64);
            var gx64 = nn.functional.conv_transpose2d(g.to(ScalarType.Float64), w64, strides: new long[] { stride, stride },
                padding: new long[] { padding, padding }, output_padding: new long[] { (16 + 2 * padding - k) % stride, (16 + 2 * padding - k) % stride });
            var gx = x.grad!.to(ScalarType.Float64);
            Assert.True(torch.isfinite(gx).all().item<bool>(), $"pass {pass}: non-finite input gradient");
            double err = (gx - gx64).abs().max().item<double>();
            Assert.True(err < 1e-3 * (1 + gx64.abs().max().item<double>()), $"pass {pass}: input gradient off by {err}");
            conv.Weight.grad!.zero_();
        }
    }

    [Fact]
    public void InitialisesLikeConv2dWithoutDisturbingTheGlobalGenerator()
    {
        torch.manual_seed(11);
        using var plain = nn.Conv2d(5, 7, 3, padding: 1, bias: false);
        torch.manual_seed(11);
        using var verified = new VerifiedConv2d(5, 7, 3, padding: 1);
        // The check behind VerifiedConv2d must not consume the global generator.
        using var next = torch.rand(3);
        torch.manual_seed(11);
        using var plain2 = nn.Conv2d(5, 7, 3, padding: 1, bias: false);
        using var expectedNext = torch.rand(3);
        Assert.True(torch.allclose(next, expectedNext, rtol: 0, atol: 0));
        Assert.True(torch.allclose(plain.weight!, verified.Weight, rtol: 0, atol: 0));
        Assert.Equal(["conv.weight"], verified.named_parameters().Select(p => p.name));
        Assert.True(ConvolutionCheck.Checked.ContainsKey(verified.Shape));
    }
}
