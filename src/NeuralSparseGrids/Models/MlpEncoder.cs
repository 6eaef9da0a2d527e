using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A fully connected encoder: Linear layers of the given sizes with an activation after every hidden layer and none
/// after the last, so the output is the raw latent vector (no rescaling into [0, 1]).
/// </summary>
/// <remarks>Input (batch, layerSizes[0]); output (batch, layerSizes[^1]). Example: [3, 25, 25, 2] maps 3 features to a 2-d latent space.</remarks>
public sealed class MlpEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;

    /// <summary>Creates the encoder with weights drawn after <c>torch.manual_seed(seed)</c> (TorchSharp's default initialisation).</summary>
    /// <param name="layerSizes">At least two sizes, each &gt;= 1: input features, hidden widths..., latent dimension.</param>
    /// <param name="activation">Activation after each hidden Linear layer.</param>
    /// <param name="seed">Seed of the weight initialisation.</param>
    /// <param name="outputGain">Factor on the last layer's initial weights and bias (1: the default initialisation).</param>
    public MlpEncoder(IReadOnlyList<int> layerSizes, Activation activation = Activation.ReLU, long seed = 0, double outputGain = 1) : base(TorchRuntime.LoadedFor(nameof(MlpEncoder)))
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count < 2)
            throw new ArgumentException($"An MLP encoder needs at least two layer sizes (input features and latent dimension); got {layerSizes.Count}.", nameof(layerSizes));
        for (int i = 0; i < layerSizes.Count; i++)
            if (layerSizes[i] < 1)
                throw new ArgumentException($"Layer size {i} is {layerSizes[i]}; every size must be at least 1.", nameof(layerSizes));
        TorchRuntime.EnsureLoaded();
        LayerSizes = layerSizes.ToArray();
        Activation = activation;
        torch.manual_seed(seed);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i + 1 < layerSizes.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(layerSizes[i], layerSizes[i + 1])));
            if (i + 2 < layerSizes.Count) modules.Add(($"act{i}", ActivationModules.Create(activation)));
        }
        if (outputGain != 1)
        {
            using var noGrad = torch.no_grad();
            var last = (Linear)modules[^1].Item2;
            last.weight!.mul_(outputGain);
            last.bias!.mul_(outputGain);
        }
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    /// <summary>Input features, hidden widths and latent dimension.</summary>
    public IReadOnlyList<int> LayerSizes { get; }

    /// <summary>Number of input features (first layer size).</summary>
    public int InputFeatures => LayerSizes[0];

    /// <summary>Latent dimension (last layer size).</summary>
    public int LatentDim => LayerSizes[^1];

    /// <summary>Activation of the hidden layers.</summary>
    public Activation Activation { get; }

    /// <summary>The Linear layers in order (for exporters; an activation follows every one but the last).</summary>
    public IReadOnlyList<Linear> LinearLayers => _layers.children().OfType<Linear>().ToList();

    /// <summary>Maps (batch, InputFeatures) to raw latent vectors (batch, LatentDim).</summary>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 2 || input.shape[1] != InputFeatures)
            throw new ArgumentException($"MlpEncoder expects input of shape (batch, {InputFeatures}); got ({string.Join(", ", input.shape)}).", nameof(input));
        return _layers.forward(input);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _layers.Dispose();
        base.Dispose(disposing);
    }
}
