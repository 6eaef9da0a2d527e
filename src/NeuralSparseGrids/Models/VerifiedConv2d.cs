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
/// </remarks>
public sealed class VerifiedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>Creates the convolution (weights drawn from the global torch generator, as <c>nn.Conv2d</c>).</summary>
    public VerifiedConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0) : base(TorchRuntime.LoadedFor(nameof(VerifiedConv2d)))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: false);
        Shape = new ConvolutionShape(inChannels, outChannels, kernelSize, stride, padding);
        PromotedToFloat64 = !ConvolutionCheck.IsReliable(Shape);
        RegisterComponents();
    }

    /// <summary>The convolution's shape.</summary>
    public ConvolutionShape Shape { get; }

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
        if (!PromotedToFloat64 || input.dtype != ScalarType.Float32) return conv.forward(input);
        using var scope = torch.NewDisposeScope();
        var y = ConvolutionCheck.UnfoldConvolution(input.to(ScalarType.Float64), conv.weight!.to(ScalarType.Float64), Shape.Stride, Shape.Padding);
        return y.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
