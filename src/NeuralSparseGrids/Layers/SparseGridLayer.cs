using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The sparse grid layer (thesis Eq. 3.3): f(h) = sum_p C[p] phi_p(h) for h in [0, 1]^d, with coefficients C of shape
/// (points, outputs). Input (batch, d) -> output (batch, outputs). Three interchangeable paths (<see cref="LayerPath"/>):
/// a fused multi-threaded CPU kernel with its own backward (Eq. 3.5/3.6), a device-agnostic tensor-op path and a dense
/// reference through the basis matrix K (Eq. 3.4).
/// </summary>
/// <remarks>
/// Subgradients at kinks: each coordinate belongs to the cell [k, k+1) 2^(1-l) of level l (the last cell closed) and
/// the derivative is that of the linear piece evaluated there: one-sided from the right, at x = 1 from the left; at the
/// peak of a hat the right (descending) piece. All three paths use this convention. With <see cref="SparseGridLayerOptions.Clamp"/>,
/// coordinates outside [0, 1] are clamped and get derivative 0; coordinates within the tolerance outside the box likewise.
/// </remarks>
public sealed class SparseGridLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Inputs may lie this far outside [0, 1] without being rejected (they are clamped).</summary>
    public const double InputTolerance = 1e-6;

    private Lazy<TermIndex> _terms;

    /// <summary>Creates the layer on a regular sparse grid of dimension <paramref name="dim"/> and level <paramref name="level"/>.</summary>
    public SparseGridLayer(int dim, int level, GridType type, int outputs, SparseGridLayerOptions? options = null)
        : this(SparseGrid.Create(dim, level, type, outputs, options?.MaxGridBytes), outputs, options)
    {
    }

    /// <summary>Creates the layer on <paramref name="grid"/> with a (points, outputs) coefficient parameter.</summary>
    public SparseGridLayer(SparseGrid grid, int outputs, SparseGridLayerOptions? options = null) : base(TorchRuntime.LoadedFor(nameof(SparseGridLayer)))
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "A sparse grid layer needs at least one output.");
        Options = options ?? new SparseGridLayerOptions();
        if (Options.DType is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"SparseGridLayer supports float32 and float64, not {Options.DType}.", nameof(options));
        Grid = grid;
        Outputs = outputs;
        Path = Options.Path;
        _ = grid.PointOffsets;   // the kernels index coefficient rows with int: refuse larger grids here
        _terms = new Lazy<TermIndex>(() => new TermIndex(grid));
        register_parameter("coefficients", new Parameter(InitialCoefficients(grid.PointCount, outputs, Options)));
    }

    /// <summary>The sparse grid (changed only by <see cref="ChangeGrid"/>).</summary>
    public SparseGrid Grid { get; private set; }

    /// <summary>Number of outputs (coefficient columns).</summary>
    public int Outputs { get; }

    /// <summary>Construction options.</summary>
    public SparseGridLayerOptions Options { get; }

    /// <summary>The path <see cref="forward(Tensor)"/> uses; settable (e.g. for tests and benchmarks).</summary>
    public LayerPath Path { get; set; }

    /// <summary>The coefficient matrix, shape (points, outputs).</summary>
    public Parameter Coefficients => get_parameter("coefficients") ?? throw new InvalidOperationException("The coefficients parameter is missing.");

    /// <summary>
    /// Moves the layer onto <paramref name="grid"/> (same dimension and type) in place: the coefficient parameter is
    /// replaced by a (grid.PointCount, outputs) one whose row p is the old row <paramref name="pointSources"/>[p], or
    /// zero where that is -1 (<see cref="GridRemap.PointSources"/>). Same module, options and path: nothing else is
    /// rebuilt, and the tensor-op path's tables follow the new grid on their next use.
    /// </summary>
    /// <returns>The replaced coefficient parameter: optimizers and snapshots still reference it until they are
    /// carried over; the caller disposes it afterwards.</returns>
    public Parameter ChangeGrid(SparseGrid grid, int[] pointSources)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(pointSources);
        if (grid.Dim != Grid.Dim || grid.Type != Grid.Type)
            throw new ArgumentException($"The new grid must keep dimension {Grid.Dim} and type {Grid.Type}.", nameof(grid));
        if (pointSources.Length != grid.PointCount)
            throw new ArgumentException($"pointSources has {pointSources.Length} entries, the grid {grid.PointCount} points.", nameof(pointSources));
        _ = grid.PointOffsets;   // as in the constructor: refuse grids the kernels cannot index
        var old = Coefficients;
        var carried = CoefficientRemap.Rows(old, pointSources);
        ConditionallyRegisterParameter("coefficients", new Parameter(carried.DetachFromDisposeScope(), old.requires_grad));
        Grid = grid;
        _terms = new Lazy<TermIndex>(() => new TermIndex(grid));
        return old;
    }

    /// <summary>Evaluates the layer with its own coefficients: (batch, d) -> (batch, outputs).</summary>
    public override Tensor forward(Tensor h) => Evaluate(h, Coefficients, Path);

    /// <summary>
    /// Evaluates the grid function with the given coefficients (points, O) — for least-squares training, where they come
    /// from a (differentiable) solve: (batch, d) -> (batch, O). Gradients flow to h and to <paramref name="coefficients"/>.
    /// </summary>
    public Tensor Evaluate(Tensor h, Tensor coefficients, LayerPath? path = null)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.dim() != 2 || coefficients.shape[0] != Grid.PointCount)
            throw new ArgumentException($"Coefficients must have shape ({Grid.PointCount}, outputs), got ({string.Join(", ", coefficients.shape)}).", nameof(coefficients));
        using var scope = NewDisposeScope();
        var x = Prepare(h, coefficients.dtype, coefficients.device);
        var chosen = Resolve(path ?? Path, x.device_type);
        Tensor result = chosen switch
        {
            LayerPath.Fused => FusedSparseGridFunction.Apply(Grid, x, coefficients),
            LayerPath.TensorOps => TensorOpsPath.Forward(_terms.Value, Tables(x), x.clamp(0, 1), coefficients),
            _ => DenseBasis(x).matmul(coefficients),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The dense basis matrix K (thesis Eq. 3.4): (batch, d) -> (batch, points), differentiable with respect to h.
    /// Throws <see cref="DenseBasisTooLargeException"/> when batch x points x element size exceeds
    /// <see cref="SparseGridLayerOptions.DenseMaxBytes"/>.
    /// </summary>
    public Tensor BasisMatrix(Tensor h)
    {
        using var scope = NewDisposeScope();
        var x = Prepare(h, Options.DType, Coefficients.device);
        return DenseBasis(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The non-zeros of K row by row: (batch, d) -> (columns (batch, T) int64, values (batch, T)), T terms per row
    /// (T = S subspaces for hat grids); values are differentiable with respect to h. Columns within a row are distinct,
    /// except that a term whose point is absent (partial subspaces of a spatially adaptive grid) has value 0 and may
    /// repeat another column.
    /// </summary>
    public (Tensor columns, Tensor values) BasisEntries(Tensor h)
    {
        using var scope = NewDisposeScope();
        var x = Prepare(h, Options.DType, Coefficients.device).clamp(0, 1);
        var (columns, values) = TensorOpsPath.Terms(_terms.Value, Tables(x), x);
        return (columns.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>K in compressed sparse row form (no gradient): (batch, d) -> CSR (batch, points), T entries per row.</summary>
    public SparseBasis SparseBasisMatrix(Tensor h)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (columns, values) = BasisEntries(h);
        var (sorted, order) = columns.sort(1);
        var sortedValues = values.gather(1, order);
        long n = columns.shape[0], terms = columns.shape[1];
        var rowOffsets = arange(n + 1, device: columns.device) * terms;
        var result = new SparseBasis(rowOffsets.MoveToOuterDisposeScope(), sorted.reshape(-1).MoveToOuterDisposeScope(),
            sortedValues.reshape(-1).MoveToOuterDisposeScope(), n, Grid.PointCount);
        return result;
    }

    /// <summary>
    /// Bytes the fused path allocates for one forward+backward over <paramref name="batch"/> samples besides the
    /// coefficients: output (batch, outputs), dL/dh (batch, d), dL/dC (points, outputs) and the kernel's scratch
    /// (the active one-dimensional functions, O(batch d L), and per-thread (batch, d) buffers). Never O(batch points).
    /// </summary>
    public long FusedPeakBytes(int batch)
    {
        int threads = get_num_threads();
        long element = Options.DType == ScalarType.Float64 ? 8 : 4;
        long scratch = Options.DType == ScalarType.Float64
            ? FusedKernel<double>.ScratchBytes(Grid, batch, Outputs, threads)
            : FusedKernel<float>.ScratchBytes(Grid, batch, Outputs, threads);
        return element * ((long)batch * Outputs + (long)batch * Grid.Dim + Grid.PointCount * Outputs) + scratch;
    }

    private Tensor DenseBasis(Tensor x)
    {
        long bytes = checked(x.shape[0] * Grid.PointCount * x.ElementSize);
        if (bytes > Options.DenseMaxBytes) throw new DenseBasisTooLargeException(x.shape[0], Grid.PointCount, bytes, Options.DenseMaxBytes);
        return TensorOpsPath.BasisMatrix(_terms.Value, Tables(x), x.clamp(0, 1));
    }

    private TermIndexTensors Tables(Tensor x) => _terms.Value.On(x.device);

    private Tensor Prepare(Tensor h, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.dim() != 2 || h.shape[1] != Grid.Dim)
            throw new ArgumentException($"SparseGridLayer input must have shape (batch, {Grid.Dim}), got ({string.Join(", ", h.shape)}).", nameof(h));
        if (h.device.ToString() != device.ToString())
            throw new ArgumentException($"SparseGridLayer input is on {h.device} but the coefficients are on {device}.", nameof(h));
        var x = h.dtype == dtype ? h : h.to(dtype);
        InputCheck.Validate(x.is_contiguous() ? x : x.contiguous(), InputTolerance, Options.Clamp);
        return x;
    }

    private static LayerPath Resolve(LayerPath path, DeviceType device) => path switch
    {
        LayerPath.Auto => device == DeviceType.CPU ? LayerPath.Fused : LayerPath.TensorOps,
        LayerPath.Fused when device != DeviceType.CPU => throw new InvalidOperationException($"The fused sparse grid kernel runs on the CPU only; the input is on {device}. Use LayerPath.Auto or TensorOps."),
        _ => path,
    };

    private static Tensor InitialCoefficients(long points, int outputs, SparseGridLayerOptions options)
    {
        using var scope = NewDisposeScope();
        Tensor c;
        if (options.Init == CoefficientInit.Zeros) c = zeros([points, outputs], options.DType);
        else
        {
            using var generator = options.Seed is long seed ? new Generator((ulong)seed) : null;
            c = (randn([points, outputs], ScalarType.Float64, generator: generator) * options.InitStd).to(options.DType);
        }
        return c.DetachFromDisposeScope();
    }
}
