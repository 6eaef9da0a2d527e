using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A bias-free 2-d convolution that runs in float64 when libtorch's float32 convolution of its shape fails
/// <see cref="ConvolutionCheck"/> on this machine, and as a plain float32 convolution otherwise. Input
/// (batch, in, H, W) -> (batch, out, H', W'), in the input's dtype.
/// </summary>
/// <remarks>
/// Wraps TorchSharp's <c>nn.Conv2d</c> (so seeded initialisation and the float32 code path are exactly those of
/// <c>nn.Conv2d</c>); its weight is the parameter <c>conv.weight</c>.
/// With <see cref="ChannelsLast"/> (the default) the float32 convolution runs in the channels-last (NHWC) memory
/// format: the weight is handed to libtorch as a channels-last copy (the parameter itself stays contiguous, so
/// optimizers and checkpoints see the usual layout), which makes libtorch's oneDNN kernels read and write NHWC
/// activations directly instead of reordering them to and from its blocked format in every call; the output is then
/// channels-last, and batch norm, ReLU and the residual sums keep that format. Values are the same up to float32
/// rounding. Set the environment variable <c>NSG_CONV_CHANNELS_LAST=0</c> to use the contiguous (NCHW) format.
/// </remarks>
public sealed class VerifiedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>
    /// Whether convolutions run channels-last unless told otherwise: true, except when the environment variable
    /// <c>NSG_CONV_CHANNELS_LAST</c> is <c>0</c> or <c>false</c>.
    /// </summary>
    public static bool ChannelsLastByDefault { get; } =
        Environment.GetEnvironmentVariable("NSG_CONV_CHANNELS_LAST")?.Trim().ToLowerInvariant() is not ("0" or "false");

    /// <summary>Creates the convolution (weights drawn from the global torch generator, as <c>nn.Conv2d</c>).</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on each side.</param>
    /// <param name="channelsLast">Memory format of the float32 convolution; null: <see cref="ChannelsLastByDefault"/>.</param>
    public VerifiedConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool? channelsLast = null) : base(TorchRuntime.LoadedFor(nameof(VerifiedConv2d)))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: false);
        Shape = new ConvolutionShape(inChannels, outChannels, kernelSize, stride, padding, channelsLast ?? ChannelsLastByDefault);
        PromotedToFloat64 = !ConvolutionCheck.IsReliable(Shape);
        RegisterComponents();
    }

    /// <summary>The convolution's shape.</summary>
    public ConvolutionShape Shape { get; }

    /// <summary>True when the float32 convolution runs in the channels-last memory format.</summary>
    public bool ChannelsLast => Shape.ChannelsLast;

    /// <summary>True when float32 inputs are convolved in float64 because the float32 kernel failed the check.</summary>
    public bool PromotedToFloat64 { get; }

    /// <summary>The (out, in, k, k) weight.</summary>
    public Parameter Weight => conv.weight!;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) conv.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dtype != ScalarType.Float32) return conv.forward(input);
        if (!PromotedToFloat64) return Float32Convolution(input, conv.weight!, Shape);
        using var scope = torch.NewDisposeScope();
        var y = ConvolutionCheck.UnfoldConvolution(input.to(ScalarType.Float64), conv.weight!.to(ScalarType.Float64), Shape.Stride, Shape.Padding);
        return y.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// libtorch's float32 convolution of <paramref name="shape"/> (bias-free), in the shape's memory format: the code
    /// path <see cref="ConvolutionCheck"/> verifies. Input (batch, in, H, W), weight (out, in, k, k).
    /// </summary>
    internal static Tensor Float32Convolution(Tensor input, Tensor weight, ConvolutionShape shape)
    {
        long[] stride = [shape.Stride, shape.Stride], padding = [shape.Padding, shape.Padding];
        if (!shape.ChannelsLast) return nn.functional.conv2d(input, weight, strides: stride, padding: padding);
        using var scope = torch.NewDisposeScope();
        var x = input;
        if (shape.Kernel == 1 && shape.Padding == 0 && shape.Stride > 1)
        {
            // A strided 1x1 convolution reads every stride-th pixel: subsample, then convolve with stride 1. Same
            // values; libtorch 2.10's oneDNN otherwise runs the input gradient through its strided kernel
            // (brgconv_strided), several times slower than the stride-1 one.
            x = x.slice(2, 0, x.shape[2], shape.Stride).slice(3, 0, x.shape[3], shape.Stride);
            stride = [1, 1];
        }
        var y = nn.functional.conv2d(x, ToChannelsLast(weight), strides: stride, padding: padding);
        // A single input channel leaves libtorch unsure of the format (NCHW and NHWC strides coincide), and it answers
        // NCHW; the layers after the stem should see NHWC.
        return (y.is_contiguous() ? ToChannelsLast(y) : y).MoveToOuterDisposeScope();
    }

    /// <summary>The same (N, C, H, W) values with NHWC strides (a copy unless already so).</summary>
    internal static Tensor ToChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
}
