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
    [InlineData(4, 4, 3, 1, 1, false)]   // widths that break libtorch's float32 input gradient on some CPUs
    [InlineData(24, 24, 3, 1, 1, false)]
    [InlineData(4, 8, 3, 2, 1, false)]
    [InlineData(32, 32, 3, 1, 1, false)] // the default width
    [InlineData(32, 64, 1, 2, 0, false)] // the strided 1x1 projection
    [InlineData(4, 4, 3, 1, 1, true)]    // the same in the channels-last format (the default)
    [InlineData(24, 24, 3, 1, 1, true)]
    [InlineData(4, 8, 3, 2, 1, true)]
    [InlineData(32, 32, 3, 1, 1, true)]
    [InlineData(32, 64, 1, 2, 0, true)]  // subsampled, then a stride-1 1x1 convolution
    [InlineData(1, 32, 3, 1, 1, true)]   // the stem: one input channel
    public void InputAndWeightGradientsMatchAFloat64Reference(int inC, int outC, int k, int stride, int padding, bool channelsLast)
    {
        // Many passes, because the libtorch fault this guards against strikes at random (see ConvolutionCheck).
        torch.manual_seed(3);
        using var conv = new VerifiedConv2d(inC, outC, k, stride, padding, channelsLast);
        Assert.Equal(channelsLast, conv.ChannelsLast);
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

            // Forward values and weight gradient against libtorch's float64 convolution.
            var w64Leaf = w64.clone().requires_grad_(true);
            var y64 = nn.functional.conv2d(x.detach().to(ScalarType.Float64), w64Leaf, strides: new long[] { stride, stride }, padding: new long[] { padding, padding });
            (y64 * g.to(ScalarType.Float64)).sum().backward();
            double yErr = (y.to(ScalarType.Float64) - y64).abs().max().item<double>();
            Assert.True(yErr < 1e-4 * (1 + y64.abs().max().item<double>()), $"pass {pass}: output off by {yErr}");
            double wErr = (conv.Weight.grad!.to(ScalarType.Float64) - w64Leaf.grad!).abs().max().item<double>();
            Assert.True(wErr < 1e-3 * (1 + w64Leaf.grad!.abs().max().item<double>()), $"pass {pass}: weight gradient off by {wErr}");
            Assert.True(conv.Weight.is_contiguous() && conv.Weight.grad!.is_contiguous(), "the parameter and its gradient keep the contiguous layout");
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

    [Fact]
    public void ChannelsLastEncoderMatchesTheContiguousOne()
    {
        // Same seed, same weights; the two memory formats must give the same outputs and gradients up to rounding.
        using var contiguous = new CnnEncoder(latent: 3, width: 8, seed: 5, channelsLast: false);
        using var channelsLast = new CnnEncoder(latent: 3, width: 8, seed: 5, channelsLast: true);
        using var x = torch.rand(new long[] { 6, 784 }, generator: new Generator(9));
        using var g = torch.randn(new long[] { 6, 3 }, generator: new Generator(10));
        using var y1 = contiguous.forward(x);
        using var y2 = channelsLast.forward(x);
        Assert.True(torch.allclose(y1, y2, rtol: 1e-4, atol: 1e-5), "outputs differ");
        (y1 * g).sum().backward();
        (y2 * g).sum().backward();
        foreach (var ((name, p1), (_, p2)) in contiguous.named_parameters().Zip(channelsLast.named_parameters()))
            Assert.True(torch.allclose(p1.grad!, p2.grad!, rtol: 1e-3, atol: 1e-5), $"gradient of {name} differs");
    }
}
