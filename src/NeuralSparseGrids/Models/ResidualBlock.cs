using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A ResNet basic block: conv3x3 - BN - ReLU - conv3x3 - BN, plus the input (through a 1x1 conv - BN projection when
/// the stride or the channel count changes), then ReLU.
/// </summary>
/// <remarks>Input (batch, inChannels, H, W); output (batch, outChannels, ceil(H / stride), ceil(W / stride)).</remarks>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly VerifiedConv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly VerifiedConv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Sequential? _projection;

    /// <summary>Creates the block; initialise weights by seeding torch before calling (see <see cref="CnnEncoder"/>).</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="stride">1, or 2 to halve the spatial size.</param>
    /// <param name="channelsLast">Memory format of the convolutions (see <see cref="VerifiedConv2d"/>); null: the default.</param>
    public ResidualBlock(int inChannels, int outChannels, int stride, bool? channelsLast = null) : base(TorchRuntime.LoadedFor(nameof(ResidualBlock)))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), "Channel counts must be at least 1.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be at least 1.");
        _conv1 = new VerifiedConv2d(inChannels, outChannels, kernelSize: 3, stride: stride, padding: 1, channelsLast: channelsLast);
        _bn1 = nn.BatchNorm2d(outChannels);
        _conv2 = new VerifiedConv2d(outChannels, outChannels, kernelSize: 3, stride: 1, padding: 1, channelsLast: channelsLast);
        _bn2 = nn.BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            _projection = nn.Sequential(
                ("conv", new VerifiedConv2d(inChannels, outChannels, kernelSize: 1, stride: stride, channelsLast: channelsLast)),
                ("bn", nn.BatchNorm2d(outChannels)));
        RegisterComponents();
    }

    /// <summary>First convolution (3x3, the block's stride, padding 1) and its batch normalisation (for exporters).</summary>
    public (VerifiedConv2d Conv, BatchNorm2d Norm) First => (_conv1, _bn1);

    /// <summary>Second convolution (3x3, stride 1, padding 1) and its batch normalisation (for exporters).</summary>
    public (VerifiedConv2d Conv, BatchNorm2d Norm) Second => (_conv2, _bn2);

    /// <summary>The 1x1 projection of the skip connection and its batch normalisation, or null for the identity.</summary>
    public (VerifiedConv2d Conv, BatchNorm2d Norm)? Projection =>
        _projection is null ? null : ((VerifiedConv2d)_projection.children().First(), _projection.children().OfType<BatchNorm2d>().Single());

    /// <summary>Applies the block to (batch, inChannels, H, W).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.relu(_bn1.forward(_conv1.forward(input)));
        h = _bn2.forward(_conv2.forward(h));
        var skip = _projection is null ? input : _projection.forward(input);
        return nn.functional.relu(h + skip).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _conv1.Dispose();
            _bn1.Dispose();
            _conv2.Dispose();
            _bn2.Dispose();
            _projection?.Dispose();
        }
        base.Dispose(disposing);
    }
}
