using System.Diagnostics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Numerics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The training embeddings (N, d) as an epoch's own forward passes computed them, gathered batch by batch into one
/// row-major float32 array, so an adaptation step after that epoch reads them instead of embedding the training split
/// again. Each row is the embedding its mini-batch's loss used, i.e. with the parameters of that batch's step: the
/// embeddings "as of the last epoch". With parameters unchanged over the epoch they equal a fresh embedding (tested);
/// an encoder whose forward depends on the training mode (batch norm, dropout) is not gathered
/// (<see cref="CanGather"/>): its step embeds afresh in evaluation mode.
/// <para>
/// With the fused training step (<see cref="FusedMlpStep"/>) it can also gather each grid point's data mass (the
/// sum of its basis values over the epoch's embeddings, in exact <see cref="DataMass"/> units) inside the step's
/// backward pass, where it costs almost nothing; the point refinement step then needs no pass over the embeddings.
/// That work is inside the kernel, where it cannot be timed apart, so it is priced: every fused step's backward
/// pass is timed, and the mass costs the gathering epoch's median backward pass minus the median of the plain
/// batches since the last step (same grid), times its batches (at least 0). Without such a baseline (a step
/// every epoch, or the first epoch of a resumed run) the mass is not gathered and the step sums it from the
/// embeddings, with the same result (<see cref="DataMass"/> sums do not depend on the order).
/// </para>
/// </summary>
public sealed class EpochEmbeddings
{
    private float[] _rows = [];
    private bool[] _seen = [];
    private int _count, _dim, _epoch = -1, _filled, _recorded;
    private long _ticks;
    // Mass gathering: the units per point of _massGrid (null when not gathering this epoch), the backward passes'
    // seconds of this epoch's gathering batches and of the plain batches since the last gathering epoch began.
    private long[]? _massUnits;
    private SparseGrid? _massGrid;
    private bool _massBroken;
    // False when this epoch gathers the mass and the step reads nothing else: rows are then only counted, not copied.
    private bool _keepRows = true;
    private double _baseline;
    private readonly List<double> _massBatches = [], _plainBatches = [];

    /// <summary>Plain batches needed before mass gathering is priced (and so done); fewer leave the median too noisy.</summary>
    public const int MinimumPlainBatches = 8;

    /// <summary>True when <paramref name="model"/>'s training-mode embeddings equal its evaluation-mode ones (no batch norm or dropout).</summary>
    public static bool CanGather(NeuralSparseGrid model) =>
        !model.Encoder.modules().Any(m => m is BatchNorm1d or BatchNorm2d or BatchNorm3d or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d
            or Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout);

    /// <summary>
    /// Starts gathering the <paramref name="count"/> rows of <paramref name="epoch"/> (forgets any earlier epoch's);
    /// with <paramref name="massGrid"/> also the data mass of its points, if enough plain backward passes have been
    /// timed to price it (see the remarks). With <paramref name="rowsBesideMass"/> false the step reads only the mass
    /// when it is gathered (point refinement with the surplus indicator): the rows are then counted (the mass is
    /// handed out only when every row was seen once) but not copied, and <see cref="Complete"/> has none; they are
    /// copied as usual when the mass cannot be gathered this epoch.
    /// </summary>
    public void Begin(int epoch, int count, int dim, SparseGrid? massGrid = null, bool rowsBesideMass = true)
    {
        if (_rows.Length != (long)count * dim) _rows = new float[checked(count * dim)];
        if (_seen.Length != count) _seen = new bool[count];
        else Array.Clear(_seen);
        (_epoch, _count, _dim, _filled, _recorded, _ticks) = (epoch, count, dim, 0, 0, 0);
        (_massUnits, _massGrid, _massBroken) = (null, null, false);
        _massBatches.Clear();
        if (massGrid is not null && _plainBatches.Count >= MinimumPlainBatches)
        {
            _baseline = Statistics.Median(_plainBatches);
            _massUnits = new long[massGrid.PointCount];
            _massGrid = massGrid;
        }
        // Copying the rows cost about a tenth of a point refinement step on the swiss roll (60 batches of 64 rows).
        _keepRows = rowsBesideMass || _massUnits is null;
        // The batches after this epoch's step run on the next grid: their baseline starts afresh.
        _plainBatches.Clear();
    }

    /// <summary>
    /// The (points) mass units the fused step's backward pass should add to for a batch on <paramref name="grid"/>,
    /// or null when this epoch gathers no mass (or gathered it for another grid, which spoils it).
    /// </summary>
    public long[]? MassUnitsFor(SparseGrid grid)
    {
        if (_epoch < 0 || _massUnits is null) return null;
        if (ReferenceEquals(grid, _massGrid)) return _massUnits;
        _massBroken = true;
        return null;
    }

    /// <summary>
    /// Records the wall seconds of one fused backward pass: a gathering batch's if this epoch gathers mass, a plain
    /// one's (the baseline of the next gathering epoch) outside gathering epochs. A gathering epoch that gathers no
    /// mass prices nothing: a step follows it, so the next gathering epoch runs on another grid.
    /// </summary>
    public void RecordBackward(double seconds)
    {
        if (_epoch < 0) _plainBatches.Add(seconds);
        else if (_massUnits is not null) _massBatches.Add(seconds);
    }

    /// <summary>
    /// The mass units per point of <paramref name="grid"/> gathered in <paramref name="epoch"/>, when every row was
    /// recorded in it exactly once and every batch added to them; else null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long[]? MassUnits(int epoch, SparseGrid grid) =>
        _epoch == epoch && _filled == _count && _recorded == _count && _massUnits is not null && !_massBroken && ReferenceEquals(grid, _massGrid)
        && _massBatches.Count > 0 ? _massUnits : null;

    /// <summary>
    /// Seconds the mass gathering is charged with: (median gathering backward pass - median plain one) x gathering
    /// batches, at least 0.
    /// </summary>
    public double MassSeconds
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _massBatches.Count == 0 ? 0 : Math.Max(0, Statistics.Median(_massBatches) - _baseline) * _massBatches.Count;
    }

    /// <summary>Stores the embeddings <paramref name="h"/> (batch, d) of the training rows <paramref name="rows"/> (in h's order).</summary>
    public void Record(ReadOnlySpan<int> rows, Tensor h)
    {
        if (_epoch < 0) return;
        if (h.numel() != (long)rows.Length * _dim)
            throw new ArgumentException($"Embeddings of {rows.Length} rows x {_dim} expected, got shape ({string.Join(", ", h.shape)}).", nameof(h));
        // Read in place (no torch call beyond the pointer): this runs once per mini-batch of the epoch before a step.
        if (h.dtype == ScalarType.Float32 && h.device_type == TorchSharp.DeviceType.CPU && h.is_contiguous()) Record(rows, Values(h));
        else
        {
            using var scope = NewDisposeScope();
            Record(rows, Values(h.detach().to(ScalarType.Float32, CPU).contiguous()));
        }
    }

    /// <summary>The same for embeddings held in C# memory, row-major (batch, d) (the fused training step's).</summary>
    // Optimised at once: a run calls it some hundred times, too few to leave unoptimised code before the last steps
    // (which then paid about 40 ns a row: a fifth of a millisecond per step on the swiss roll).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Record(ReadOnlySpan<int> rows, ReadOnlySpan<float> h)
    {
        if (_epoch < 0) return;
        long start = Stopwatch.GetTimestamp();
        int d = _dim;
        if (h.Length != rows.Length * d)
            throw new ArgumentException($"Embeddings of {rows.Length} rows x {d} expected, got {h.Length} values.", nameof(h));
        var all = _rows;
        var seen = _seen;
        bool copy = _keepRows;
        int filled = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            int row = rows[b];
            if (copy)
                for (int j = 0; j < d; j++) all[row * d + j] = h[b * d + j];
            filled += seen[row] ? 0 : 1;
            seen[row] = true;
        }
        _filled += filled;
        _recorded += rows.Length;
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    private static unsafe ReadOnlySpan<float> Values(Tensor h) => new((float*)TensorData.Pointer(h), checked((int)h.numel()));

    /// <summary>Seconds spent in <see cref="Record(ReadOnlySpan{int}, ReadOnlySpan{float})"/> this epoch (charged to the step after it).</summary>
    public double Seconds => Stopwatch.GetElapsedTime(0, _ticks).TotalSeconds;

    /// <summary>True when rows of <paramref name="epoch"/> were recorded (copied or only counted): their time is the step's.</summary>
    public bool Recorded(int epoch) => _epoch == epoch && _recorded > 0;

    /// <summary>The (count, d) rows of <paramref name="epoch"/> when every row was recorded (and copied) in it; else null.</summary>
    public float[]? Complete(int epoch) => _epoch == epoch && _filled == _count && _keepRows ? _rows : null;

    /// <summary>Stops gathering (a step consumed or skipped the rows).</summary>
    public void End() => _epoch = -1;
}
