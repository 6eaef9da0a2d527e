using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>
/// A Neural Sparse Grid (thesis Eq. 3.1-3.3): encoder N, rescaling rho into [0,1]^d, sparse grid layer u.
/// f(x) = u(rho(N(x))). Input (batch, inputs) -> output (batch, outputs) (regression values or class logits).
/// With <see cref="HeadKind.Dense"/> the sparse grid layer is replaced by an <see cref="EqualParameterHead"/> of the
/// same parameter count (the thesis' "ANN" model, Sec. 3.5.3); <see cref="Grid"/> is then the grid it replaces.
/// </summary>
public sealed class NeuralSparseGrid : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _encoder;
    private SparseGridLayer? _layer;
    private readonly EqualParameterHead? _dense;
    private nn.Module<Tensor, Tensor> _head;
    private SparseGrid _grid;

    /// <summary>Name of the coefficient matrix in <c>state_dict()</c> (and in checkpoints' parameter files).</summary>
    public const string CoefficientsKey = "grid.coefficients";

    /// <summary>Assembles a model from its parts.</summary>
    /// <param name="config">The configuration the parts were built from (kept for checkpoints).</param>
    /// <param name="encoder">(batch, inputs) -> (batch, latent), raw (before rescaling).</param>
    /// <param name="layer">Sparse grid layer on [0,1]^latent.</param>
    public NeuralSparseGrid(NsgModelConfig config, nn.Module<Tensor, Tensor> encoder, SparseGridLayer layer) : base(TorchRuntime.LoadedFor(nameof(NeuralSparseGrid)))
    {
        Config = config;
        Rescaling = config.Rescale;
        _encoder = encoder;
        _layer = layer;
        _head = layer;
        _grid = layer.Grid;
        register_module("encoder", _encoder);
        register_module("grid", layer);
    }

    /// <summary>Assembles a model whose sparse grid layer is replaced by an equal-parameter dense head.</summary>
    /// <param name="config">The configuration (its <see cref="NsgModelConfig.Head"/> must be <see cref="HeadKind.Dense"/>).</param>
    /// <param name="encoder">(batch, inputs) -> (batch, latent), raw (before rescaling).</param>
    /// <param name="head">The dense head on [0,1]^latent.</param>
    /// <param name="replacedGrid">The sparse grid the head replaces (its point count fixed the head's size).</param>
    public NeuralSparseGrid(NsgModelConfig config, nn.Module<Tensor, Tensor> encoder, EqualParameterHead head, SparseGrid replacedGrid) : base(TorchRuntime.LoadedFor(nameof(NeuralSparseGrid)))
    {
        if (config.Head != HeadKind.Dense) throw new ArgumentException("A dense head needs a configuration with Head = Dense.", nameof(config));
        Config = config;
        Rescaling = config.Rescale;
        _encoder = encoder;
        _dense = head;
        _head = head;
        _grid = replacedGrid;
        register_module("encoder", _encoder);
        register_module("head", head);
    }

    /// <summary>Builds the model described by <paramref name="config"/>; all initial weights come from <paramref name="seed"/>.</summary>
    public static NeuralSparseGrid Create(NsgModelConfig config, long seed)
    {
        config.Validate();
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(seed);
        var encoder = Encoders.Create(config, seed);
        var g = config.Grid;
        var grid = config.CreateGrid();
        if (config.Head == HeadKind.Dense)
        {
            // The dense head uses the MLP's hidden activation; behind a CNN encoder, ReLU (the CNN's own nonlinearity).
            var activation = config.Encoder is MlpEncoderConfig mlp ? mlp.Activation : Activation.ReLU;
            return new NeuralSparseGrid(config, encoder, new EqualParameterHead(grid.PointCount, config.Latent, config.Outputs, activation, seed), grid);
        }
        // Default small random coefficients: with all-zero ones u and du/dh vanish and the encoder starts without a gradient.
        var layer = new SparseGridLayer(grid, config.Outputs, new SparseGridLayerOptions { Init = g.CoefficientInit, Seed = seed });
        return new NeuralSparseGrid(config, encoder, layer);
    }

    /// <summary>The configuration (after <see cref="ChangeGrid"/> with the adapted subspace set).</summary>
    public NsgModelConfig Config { get; private set; }

    /// <summary>The rescaling into [0,1]^d.</summary>
    public Rescaling Rescaling { get; }

    /// <summary>The encoder (batch, inputs) -> (batch, latent), before rescaling.</summary>
    public nn.Module<Tensor, Tensor> Encoder => _encoder;

    /// <summary>The sparse grid layer; throws for a dense head (<see cref="HeadKind.Dense"/>), which has none.</summary>
    public SparseGridLayer Layer => _layer ?? throw new InvalidOperationException(
        "This model has a dense (equal-parameter ANN) head instead of a sparse grid layer; it has no sparse grid coefficients.");

    /// <summary>The equal-parameter dense head, or null for a sparse grid model.</summary>
    public EqualParameterHead? DenseHead => _dense;

    /// <summary>The head after the rescaling: the sparse grid layer or the dense head. (batch, latent) -> (batch, outputs).</summary>
    public nn.Module<Tensor, Tensor> Head => _head;

    /// <summary>The grid of the layer (for a dense head: the grid it replaces).</summary>
    public SparseGrid Grid => _grid;

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
        return _head.forward(Embed(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Moves the sparse grid layer onto <paramref name="grid"/> (same type and dimension; <see cref="SparseGridLayer.ChangeGrid"/>):
    /// coefficient row p becomes the old row <paramref name="pointSources"/>[p], or zero where that is -1
    /// (<see cref="GridRemap.PointSources"/>); <see cref="Config"/> records the new subspace set. Adding subspaces
    /// leaves the function unchanged; removing some subtracts exactly their contribution.
    /// </summary>
    /// <returns>The replaced coefficient parameter: still referenced by optimizers and snapshots until they are
    /// carried over; the caller disposes it afterwards.</returns>
    public TorchSharp.Modules.Parameter ChangeGrid(SparseGrid grid, int[] pointSources)
    {
        var old = Layer.ChangeGrid(grid, pointSources);
        _grid = grid;
        Config = Config with { Grid = Config.Grid with { Subspaces = GridRemap.LevelVectors(grid), SubspacePoints = GridRemap.PointSets(grid) } };
        return old;
    }

    /// <summary>Parameters of the encoder only (the LS/ILS methods train these and solve for the coefficients).</summary>
    public IEnumerable<TorchSharp.Modules.Parameter> EncoderParameters() => _encoder.parameters();
}
