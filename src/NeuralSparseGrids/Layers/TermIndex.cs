using NeuralSparseGrids.Grids;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The index of the tensor-op and dense paths, derived from the <see cref="SparseGrid"/> description. One-dimensional "slots": each hat level is one slot (one active
/// function, position computed from x), each function of a boundary level (level 0 of V^0B, level 1 of V^B(1)) is a
/// slot of its own with a fixed position. A "term" is a subspace with one slot chosen per dimension, so a sample has
/// exactly one active basis function per term (at most 3^(boundary dims) terms per subspace).
/// </summary>
internal sealed class TermIndex
{
    private readonly Dictionary<string, TermIndexTensors> _cache = new();
    private readonly object _gate = new();

    public TermIndex(SparseGrid t)
    {
        Grid = t;
        int min = t.MinLevel, maxL = t.MinLevel + t.LevelCount - 1;
        var slotOfLevel = new int[t.LevelCount];      // first slot of each level
        var slotCount = new int[t.LevelCount];
        var hat = new List<int>();
        for (int l = min; l <= maxL; l++)
            if (!Basis1D.IsGlobalLevel(t.Type, l)) { slotOfLevel[l - min] = hat.Count; slotCount[l - min] = 1; hat.Add(l); }
        HatLevels = hat.ToArray();
        var boundaryPos = new List<long>();
        for (int l = min; l <= maxL; l++)
        {
            if (!Basis1D.IsGlobalLevel(t.Type, l)) continue;
            slotOfLevel[l - min] = hat.Count + boundaryPos.Count;
            slotCount[l - min] = Basis1D.Count(t.Type, l);
            for (int k = 0; k < slotCount[l - min]; k++) boundaryPos.Add(k);
        }
        BoundaryPositions = boundaryPos.ToArray();
        Slots = hat.Count + boundaryPos.Count;

        int d = t.Dim;
        // Partial subspaces (spatially adaptive grids): terms index the full numbering ("keys": subspace s's points
        // start at the full sizes of the subspaces before it), and the sorted keys of the present points turn a key
        // into a row by binary search (rows ascend with keys: subspace order, then local index).
        var offsets = t.HasPartialSubspaces ? FullOffsets(t) : t.PointOffsets;
        if (t.HasPartialSubspaces) PointKeys = PresentKeys(t, offsets);
        var termSlot = new List<long>();
        var termStride = new List<long>();
        var termOffset = new List<long>();
        var levels = t.Levels;
        var choice = new int[d];
        var limits = new int[d];
        for (int s = 0; s < t.SubspaceCount; s++)
        {
            Array.Clear(choice);
            for (int j = 0; j < d; j++) limits[j] = slotCount[levels[s * d + j] - min];
            while (true)
            {
                for (int j = 0; j < d; j++)
                {
                    int li = levels[s * d + j] - min;
                    termSlot.Add(j * Slots + slotOfLevel[li] + choice[j]);
                    termStride.Add(t.Strides[s * d + j]);
                }
                termOffset.Add(offsets[s]);
                if (!Odometer.Next(choice, limits)) break;
            }
        }
        Terms = termOffset.Count;
        TermSlot = termSlot.ToArray();
        TermStride = termStride.ToArray();
        TermOffset = termOffset.ToArray();

        // Dense path: every one-dimensional function f = (level, position) as (slot, position), and per point its f.
        var funcBase = new int[t.LevelCount];
        var funcSlot = new List<long>();
        var funcPos = new List<long>();
        for (int li = 0; li < t.LevelCount; li++)
        {
            int l = li + min;
            funcBase[li] = funcSlot.Count;
            for (int k = 0; k < Basis1D.Count(t.Type, l); k++)
            {
                funcSlot.Add(Basis1D.IsGlobalLevel(t.Type, l) ? slotOfLevel[li] + k : slotOfLevel[li]);
                funcPos.Add(k);
            }
        }
        FuncSlot = funcSlot.ToArray();
        FuncPos = funcPos.ToArray();
        FuncBase = funcBase;
    }

    public SparseGrid Grid { get; }

    /// <summary>Grids with partial subspaces: (points) the full-numbering key of every row, ascending; null otherwise.</summary>
    public long[]? PointKeys { get; }

    private static int[] FullOffsets(SparseGrid t)
    {
        var result = new int[t.SubspaceCount + 1];
        for (int s = 0; s < t.SubspaceCount; s++) result[s + 1] = checked(result[s] + t.FullSubspaceSize(s));
        return result;
    }

    private static long[] PresentKeys(SparseGrid t, int[] fullOffsets)
    {
        var keys = new long[t.PointCount];
        for (int s = 0; s < t.SubspaceCount; s++)
            for (long p = t.SubspaceOffsets[s]; p < t.SubspaceOffsets[s + 1]; p++)
                keys[p] = fullOffsets[s] + t.LocalIndex(s, (int)(p - t.SubspaceOffsets[s]));
        return keys;
    }

    /// <summary>Levels of the hat slots 0 .. HatLevels.Length - 1.</summary>
    public int[] HatLevels { get; }

    /// <summary>Fixed local positions of the boundary slots that follow the hat slots.</summary>
    public long[] BoundaryPositions { get; }

    /// <summary>Slots A per dimension.</summary>
    public int Slots { get; }

    /// <summary>Number of terms T.</summary>
    public int Terms { get; }

    // The term index, T terms of d one-dimensional choices each: TermSlot (T, d) = j * A + slot, TermStride (T, d) the
    // stride of the local position, TermOffset (T) the first point of the term's subspace. The dense path's function
    // index, F one-dimensional functions: FuncSlot (F) their slot, FuncPos (F) their local position, FuncBase (L) the
    // first function id of each level.
    public readonly long[] TermSlot;
    public readonly long[] TermStride;
    public readonly long[] TermOffset;
    public readonly long[] FuncSlot;
    public readonly long[] FuncPos;
    public readonly int[] FuncBase;

    /// <summary>The tables as tensors on <paramref name="device"/> (created once per device and kept).</summary>
    public TermIndexTensors On(Device device)
    {
        string key = device.ToString();
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out var cached)) return cached;
            using var scope = NewDisposeScope();
            var created = new TermIndexTensors(this, device);
            scope.Detach(created.All);
            _cache[key] = created;
            return created;
        }
    }

    /// <summary>Per point and dimension the one-dimensional function id, (points, d) (built on first use).</summary>
    public long[] PointFunctions()
    {
        var t = Grid;
        int d = t.Dim;
        var offsets = t.PointOffsets;
        var result = new long[t.PointCount * d];
        var levels = t.Levels;
        for (int s = 0; s < t.SubspaceCount; s++)
        {
            for (int p = offsets[s]; p < offsets[s + 1]; p++)
            {
                int local = t.LocalIndex(s, p - offsets[s]);
                for (int j = 0; j < d; j++)
                {
                    int stride = t.Strides[s * d + j];
                    int k = local / stride;
                    local -= k * stride;
                    result[(long)p * d + j] = FuncBase[levels[s * d + j] - t.MinLevel] + k;
                }
            }
        }
        return result;
    }
}

/// <summary>The tensors of <see cref="TermIndex"/> on one device.</summary>
internal sealed class TermIndexTensors
{
    private readonly TermIndex _owner;
    private Tensor? _pointFunctions;

    public TermIndexTensors(TermIndex owner, Device device)
    {
        _owner = owner;
        Device = device;
        int d = owner.Grid.Dim;
        HatCells = tensor(owner.HatLevels.Select(l => (double)(1L << (l - 1))).ToArray(), device: device);
        HatIsLevel1 = tensor(owner.HatLevels.Select(l => l == 1).ToArray(), device: device);
        BoundaryPositions = tensor(owner.BoundaryPositions, device: device);
        TermSlot = tensor(owner.TermSlot, device: device);
        TermStride = tensor(owner.TermStride, [owner.Terms, d], device: device);
        TermOffset = tensor(owner.TermOffset, device: device);
        FuncSlot = tensor(owner.FuncSlot, device: device);
        FuncPos = tensor(owner.FuncPos, device: device);
        PointKeys = owner.PointKeys is { } keys ? tensor(keys, device: device) : null;
    }

    /// <summary>(points) int64 ascending full-numbering keys of the rows; null unless the grid has partial subspaces.</summary>
    public Tensor? PointKeys { get; }

    public Device Device { get; }

    /// <summary>(Lh) float64: 2^(l-1) cells of each hat slot.</summary>
    public Tensor HatCells { get; }

    /// <summary>(Lh) bool: hat slot has level 1.</summary>
    public Tensor HatIsLevel1 { get; }

    /// <summary>(boundary slots) int64.</summary>
    public Tensor BoundaryPositions { get; }

    /// <summary>(T * d) int64.</summary>
    public Tensor TermSlot { get; }

    /// <summary>(T, d) int64.</summary>
    public Tensor TermStride { get; }

    /// <summary>(T) int64: the first row of the term's subspace, or its first full-numbering key when the grid has partial subspaces.</summary>
    public Tensor TermOffset { get; }

    /// <summary>(F) int64.</summary>
    public Tensor FuncSlot { get; }

    /// <summary>(F) int64.</summary>
    public Tensor FuncPos { get; }

    /// <summary>(points, d) int64 function id per point and dimension; built on first use (dense path only).</summary>
    public Tensor PointFunctions
    {
        get
        {
            lock (this)
            {
                if (_pointFunctions is null)
                {
                    using var scope = NewDisposeScope();
                    _pointFunctions = tensor(_owner.PointFunctions(), [_owner.Grid.PointCount, _owner.Grid.Dim], device: Device);
                    scope.Detach(_pointFunctions);
                }
                return _pointFunctions;
            }
        }
    }

    public Tensor[] All => PointKeys is null
        ? [HatCells, HatIsLevel1, BoundaryPositions, TermSlot, TermStride, TermOffset, FuncSlot, FuncPos]
        : [HatCells, HatIsLevel1, BoundaryPositions, TermSlot, TermStride, TermOffset, FuncSlot, FuncPos, PointKeys];
}
