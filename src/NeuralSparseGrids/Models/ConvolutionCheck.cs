using System.Collections.Concurrent;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// One convolution shape: channels, square kernel, stride and padding, and the memory format it runs in
/// (<paramref name="ChannelsLast"/>: weights and activations in NHWC order, which lets oneDNN skip the reorders to its
/// blocked format; libtorch picks different kernels for the two formats, so each is checked on its own).
/// </summary>
public readonly record struct ConvolutionShape(int InChannels, int OutChannels, int Kernel, int Stride, int Padding, bool ChannelsLast = false)
{
    /// <inheritdoc />
    public override string ToString() => $"{InChannels}->{OutChannels} k{Kernel} s{Stride} p{Padding}{(ChannelsLast ? " channels-last" : "")}";
}

/// <summary>
/// Checks, once per convolution shape and process, that libtorch's float32 CPU convolution (forward, input gradient
/// and weight gradient) agrees with a float64 evaluation.
/// </summary>
/// <remarks>
/// Why: with libtorch 2.10 (TorchSharp-cpu 0.107.0) on some x86 CPUs (seen on AMD EPYC with AVX-512), the float32
/// input gradient of a 3x3 convolution is wrong for channel counts that are not multiples of 16: in up to all of the
/// backward passes it holds NaN/Inf or values off by O(1), at random, while the forward pass and the weight gradient
/// are right. A CNN with such a width then trains on garbage gradients or stops with NaN parameters. Shapes that
/// fail the check run in float64 (<see cref="VerifiedConv2d"/>); multiples of 16 channels, as the default widths,
/// pass and keep the fast float32 path. The check draws from its own generator, so model initialisation is unaffected.
/// </remarks>
public static class ConvolutionCheck
{
    private const int Trials = 32;
    private const int Batch = 2;
    private const int Side = 8;
    private static readonly ConcurrentDictionary<ConvolutionShape, bool> Results = new();

    /// <summary>True when float32 convolutions of this shape agree with float64 in every trial (cached per process).</summary>
    public static bool IsReliable(ConvolutionShape shape) => Results.GetOrAdd(shape, Check);

    /// <summary>The shapes checked so far in this process and whether each passed (for <c>nsg doctor</c>).</summary>
    public static IReadOnlyDictionary<ConvolutionShape, bool> Checked => Results;

    private static bool Check(ConvolutionShape s)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        // The convolution under test runs through the model's float32 code path (VerifiedConv2d.Float32Convolution).
        var generator = new Generator(20261125);
        for (int trial = 0; trial < Trials; trial++)
        {
            using var trialScope = torch.NewDisposeScope();
            var weight = torch.randn(new long[] { s.OutChannels, s.InChannels, s.Kernel, s.Kernel }, generator: generator).requires_grad_(true);
            var x = torch.rand(new long[] { Batch, s.InChannels, Side, Side }, generator: generator).requires_grad_(true);
            var y = VerifiedConv2d.Float32Convolution(x, weight, s);
            var g = torch.randn(y.shape, generator: generator);
            (y * g).sum().backward();

            var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
            var w64 = weight.detach().to(ScalarType.Float64).requires_grad_(true);
            var y64 = UnfoldConvolution(x64, w64, s.Stride, s.Padding);
            (y64 * g.to(ScalarType.Float64)).sum().backward();

            if (!Agrees(y, y64) || !Agrees(x.grad!, x64.grad!) || !Agrees(weight.grad!, w64.grad!)) return false;
        }
        return true;
    }

    /// <summary>
    /// A bias-free convolution as im2col (<c>unfold</c>) and a matrix product: (batch, in, H, W) x (out, in, k, k) ->
    /// (batch, out, H', W'). Slower than libtorch's convolution kernels but goes through none of them, so it serves as
    /// the reference and as the float64 fallback (libtorch's float64 convolution also asks NNPACK, which logs a warning
    /// per call on CPUs NNPACK does not support).
    /// </summary>
    public static Tensor UnfoldConvolution(Tensor input, Tensor weight, int stride, int padding)
    {
        using var scope = torch.NewDisposeScope();
        long batch = input.shape[0], outChannels = weight.shape[0], k = weight.shape[2];
        long outH = (input.shape[2] + 2 * padding - k) / stride + 1, outW = (input.shape[3] + 2 * padding - k) / stride + 1;
        var columns = nn.functional.unfold(input, kernel_size: (k, k), padding: (padding, padding), stride: (stride, stride)); // (batch, in*k*k, L)
        var y = torch.matmul(weight.reshape(outChannels, -1), columns);                                                        // (batch, out, L)
        return y.reshape(batch, outChannels, outH, outW).MoveToOuterDisposeScope();
    }

    // float32 against float64: finite and within 1e-3 of the reference's scale.
    private static bool Agrees(Tensor single, Tensor reference)
    {
        var s = single.to(ScalarType.Float64);
        if (!torch.isfinite(s).all().item<bool>()) return false;
        double scale = 1 + reference.abs().max().item<double>();
        return (s - reference).abs().max().item<double>() <= 1e-3 * scale;
    }
}
