using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A Neural Sparse Grid (thesis Eq. 3.1-3.3): encoder N, rescaling rho into [0,1]^d, sparse grid layer u.
/// f(x) = u(rho(N(x))). Input (batch, inputs) -> output (batch, outputs) (regression values or class logits).
/// </summary>
public sealed class NeuralSparseGrid : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _encoder;
    private readonly SparseGridLayer _grid;

    /// <summary>Assembles a model from its parts.</summary>
    /// <param name="config">The configuration the parts were built from (kept for checkpoints).</param>
    /// <param name="encoder">(batch, inputs) -> (batch, latent), raw (before rescaling).</param>
    /// <param name="layer">Sparse grid layer on [0,1]^latent.</param>
    public NeuralSparseGrid(NsgModelConfig config, nn.Module<Tensor, Tensor> encoder, SparseGridLayer layer) : base(nameof(NeuralSparseGrid))
    {
        Config = config;
        Rescaling = Rescaling.Parse(config.Rescale);
        _encoder = encoder;
        _grid = layer;
        register_module("encoder", _encoder);
        register_module("grid", _grid);
    }

    /// <summary>Builds the model described by <paramref name="config"/>; all initial weights come from <paramref name="seed"/>.</summary>
    public static NeuralSparseGrid Create(NsgModelConfig config, long seed)
    {
        config.Validate();
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        var encoder = Encoders.Create(config, seed);
        var grid = SparseGrid.Create(config.Latent, config.Level, config.Grid, config.Outputs);
        // Small random coefficients: with all-zero coefficients u and du/dh vanish and the encoder starts without a gradient.
        var layer = new SparseGridLayer(grid, config.Outputs, new SparseGridLayerOptions { Init = CoefficientInit.SmallNormal, Seed = seed });
        return new NeuralSparseGrid(config, encoder, layer);
    }

    /// <summary>The configuration.</summary>
    public NsgModelConfig Config { get; }

    /// <summary>The rescaling into [0,1]^d.</summary>
    public Rescaling Rescaling { get; }

    /// <summary>The encoder (batch, inputs) -> (batch, latent), before rescaling.</summary>
    public nn.Module<Tensor, Tensor> Encoder => _encoder;

    /// <summary>The sparse grid layer.</summary>
    public SparseGridLayer Layer => _grid;

    /// <summary>The grid of the layer.</summary>
    public SparseGrid Grid => _grid.Grid;

    /// <summary>Embeddings h = rho(N(x)): (batch, inputs) -> (batch, latent) in [0,1]^latent.</summary>
    public Tensor Embed(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return Rescaling.Apply(_encoder.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>(batch, inputs) -> (batch, outputs).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return _grid.forward(Embed(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Parameters of the encoder only (the LS/ILS methods train these and solve for the coefficients).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> EncoderParameters() => _encoder.parameters();
}
