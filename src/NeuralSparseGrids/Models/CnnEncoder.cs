using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A small residual CNN encoder in the spirit of the thesis' MNIST model (Sec. 3.4.3: a ResNet adapted to one input
/// channel and a latent output): stem conv3x3 - BN - ReLU with <c>width</c> channels, then three stages of one
/// <see cref="ResidualBlock"/> each with width, 2 width and 4 width channels (the last two with stride 2 and a 1x1
/// projection), global average pooling and a Linear layer to the latent dimension. The output is raw: no sigmoid or
/// other rescaling into [0, 1] (the sparse grid layer's job).
/// </summary>
/// <remarks>
/// Input (batch, channels, H, W), or (batch, H * W) for single-channel square images (reshaped to (batch, 1, s, s),
/// s = sqrt(H * W), e.g. flattened 28 x 28 MNIST). Output (batch, latent).
/// With the default width 32 and latent 8 the encoder has about 0.3 million parameters (independent of H, W thanks
/// to global pooling), like the thesis' model.
/// </remarks>
public sealed class CnnEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>Channels of the first stage used when none are given.</summary>
    public const int DefaultWidth = 32;

    private readonly Sequential _stem;
    private readonly Sequential _stages;
    private readonly Linear _head;

    /// <summary>Creates the encoder with weights drawn after <c>torch.manual_seed(seed)</c>.</summary>
    /// <param name="latent">Latent dimension (outputs) &gt;= 1.</param>
    /// <param name="width">Channels of the first stage &gt;= 1 (stages use width, 2 width, 4 width).</param>
    /// <param name="inputChannels">Image channels (1 for MNIST).</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="channelsLast">
    /// Run the convolutions in the channels-last (NHWC) memory format (faster with libtorch's oneDNN kernels; same values up
    /// to float32 rounding); null: <see cref="VerifiedConv2d.ChannelsLastByDefault"/> (true unless NSG_CONV_CHANNELS_LAST=0).
    /// </param>
    public CnnEncoder(int latent, int width = DefaultWidth, int inputChannels = 1, long seed = 0, bool? channelsLast = null) : base(TorchRuntime.LoadedFor(nameof(CnnEncoder)))
    {
        if (latent < 1) throw new ArgumentOutOfRangeException(nameof(latent), latent, "The latent dimension must be at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be at least 1.");
        if (inputChannels < 1) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "There must be at least one input channel.");
        TorchRuntime.EnsureLoaded();
        Latent = latent;
        Width = width;
        InputChannels = inputChannels;
        torch.manual_seed(seed);
        _stem = nn.Sequential(
            ("conv", new VerifiedConv2d(inputChannels, width, kernelSize: 3, stride: 1, padding: 1, channelsLast: channelsLast)),
            ("bn", nn.BatchNorm2d(width)),
            ("relu", nn.ReLU()));
        _stages = nn.Sequential(
            ("stage1", new ResidualBlock(width, width, stride: 1, channelsLast)),
            ("stage2", new ResidualBlock(width, 2 * width, stride: 2, channelsLast)),
            ("stage3", new ResidualBlock(2 * width, 4 * width, stride: 2, channelsLast)));
        _head = nn.Linear(4 * width, latent);
        RegisterComponents();
    }

    /// <summary>Latent dimension (outputs).</summary>
    public int Latent { get; }

    /// <summary>Channels of the first stage.</summary>
    public int Width { get; }

    /// <summary>Image channels expected.</summary>
    public int InputChannels { get; }

    /// <summary>The stem convolution (for exporters): conv3x3, stride 1, padding 1, no bias; BatchNorm and ReLU follow.</summary>
    public VerifiedConv2d StemConvolution => (VerifiedConv2d)_stem.children().First();

    /// <summary>The stem's batch normalisation (for exporters).</summary>
    public BatchNorm2d StemNorm => _stem.children().OfType<BatchNorm2d>().Single();

    /// <summary>The residual blocks in order (for exporters); global average pooling and <see cref="Head"/> follow.</summary>
    public IReadOnlyList<ResidualBlock> Blocks => _stages.children().OfType<ResidualBlock>().ToList();

    /// <summary>The final Linear layer (4 width -> latent).</summary>
    public Linear Head => _head;

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Maps images (batch, C, H, W) or flattened square single-channel images (batch, H * W) to raw latent vectors (batch, latent).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = ToImages(input);
        var h = _stages.forward(_stem.forward(x));
        h = h.mean(new long[] { 2, 3 });
        return _head.forward(h).MoveToOuterDisposeScope();
    }

    private Tensor ToImages(Tensor input)
    {
        if (input.dim() == 4)
        {
            if (input.shape[1] != InputChannels)
                throw new ArgumentException($"CnnEncoder expects {InputChannels} channel(s); got input of shape ({string.Join(", ", input.shape)}).", nameof(input));
            return input;
        }
        if (input.dim() == 2 && InputChannels == 1)
        {
            long features = input.shape[1];
            long side = (long)Math.Round(Math.Sqrt(features));
            if (side * side != features)
                throw new ArgumentException($"A flattened input (batch, H * W) needs a square image; {features} features are not a square number.", nameof(input));
            return input.reshape(input.shape[0], 1, side, side);
        }
        throw new ArgumentException($"CnnEncoder expects (batch, {InputChannels}, H, W){(InputChannels == 1 ? " or (batch, H * W)" : "")}; got ({string.Join(", ", input.shape)}).", nameof(input));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stem.Dispose();
            _stages.Dispose();
            _head.Dispose();
        }
        base.Dispose(disposing);
    }
}
