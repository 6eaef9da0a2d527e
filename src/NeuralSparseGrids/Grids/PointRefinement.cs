using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// Spatially adaptive growth and shrinking of a grid point by point (SG++ refinement and coarsening functors,
/// Pflüger 2010): refining a point adds its hierarchical children in every dimension and any of their missing
/// ancestors, so the set stays closed under ancestors (<see cref="SparseGrid.EnsureAncestorClosed"/>); coarsening
/// removes leaves (points none of whose children are present). Subspaces keep their order, new ones follow (by
/// |l|_1, then lexicographically); points move between numberings through <see cref="GridRemap.PointSources"/>.
/// </summary>
/// <remarks>
/// Inside, a point is a pair (subspace id, local index): ids below the starting grid's subspace count are its
/// subspaces, later ids the new subspaces in the order they were met; a subspace's present points are a bitmap over
/// its local indices, copied from the starting grid only when Add or Remove touches it (the starting grid answers for
/// the others). A training run plans a step every few epochs, with caches evicted by the epochs in between: the step
/// costs what it touches, so the plan works on these ints and arrays (no point objects, sets or iterators);
/// <see cref="GridPoint"/> is the public name of a point at the API's edge.
/// </remarks>
public sealed class PointRefinement
{
    private readonly SparseGrid _grid;
    private readonly GridType _type;
    private readonly int _d, _start;
    private int _count;            // subspace ids in use
    private int[] _levels;         // (ids, d): level vectors
    private int[] _strides;        // (ids, d): strides of the local positions
    private int[] _sizes;          // per id: points of the full subspace
    private int[] _present;        // per id: points present (valid where _bits is set)
    private ulong[]?[] _bits;      // per id: the present local indices; null: an untouched starting subspace
    // Keys (id << 32 | local) of the points added and removed, in order: Build checks closure on them alone, and a
    // tentative refinement is undone by dropping the tail of _added.
    private readonly Keys _added = new(), _removed = new(), _stack = new();
    private HashSet<long>? _excluded;   // keys never added as refinement children (points coarsened before)
    // Excluded local indices of subspaces that have no id yet, by level vector: keyed once the subspace gets one (a
    // long run excludes hundreds of points, most in subspaces no refinement reaches again; giving each an id would
    // cost a search and a bitmap per step).
    private Dictionary<int[], List<int>>? _pendingExclusions;

    /// <summary>Starts from every point of <paramref name="grid"/> (Linear, ModifiedLinear or LinearBoundary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PointRefinement(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Type == GridType.LinearExtendedBoundary)
            throw new ArgumentException("Spatially adaptive refinement supports Linear, ModifiedLinear and LinearBoundary grids (see SparseGrid.FromPointSets).", nameof(grid));
        _grid = grid;
        _type = grid.Type;
        _d = grid.Dim;
        _start = _count = grid.SubspaceCount;
        int capacity = _start + 8;
        _levels = new int[capacity * _d];
        _strides = new int[capacity * _d];
        grid.Levels.CopyTo(_levels, 0);
        grid.Strides.CopyTo(_strides, 0);
        _sizes = new int[capacity];
        _present = new int[capacity];
        _bits = new ulong[capacity][];
        for (int s = 0; s < _start; s++) _sizes[s] = grid.FullSubspaceSize(s);
        PointCount = grid.PointCount;
    }

    /// <summary>Points in the set now.</summary>
    public long PointCount { get; private set; }

    /// <summary>True when <paramref name="point"/> is in the set.</summary>
    public bool Contains(GridPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        int id = SubspaceId(point.Levels, create: false);
        return id >= 0 && Contains(id, point.LocalIndex(_type));
    }

    /// <summary>
    /// The points a refinement of <paramref name="points"/> would add: those absent, plus their absent ancestors,
    /// each once (what <see cref="Add"/> needs to keep the set closed). Skips points in <paramref name="excluded"/>.
    /// </summary>
    public List<GridPoint> MissingWithAncestors(IEnumerable<GridPoint> points, ISet<GridPoint>? excluded = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        int before = _added.Count;
        foreach (var p in points)
            if (excluded is null || !excluded.Contains(p)) _stack.Add(Key(SubspaceId(p.Levels, create: true), p.LocalIndex(_type)));
        AddClosure();
        var result = new List<GridPoint>(_added.Count - before);
        for (int a = before; a < _added.Count; a++) result.Add(PointOf(_added.Items[a]));
        Undo(before);
        return result;
    }

    /// <summary>Adds <paramref name="points"/> (with their ancestors: pass <see cref="MissingWithAncestors"/>).</summary>
    public void Add(IEnumerable<GridPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        foreach (var p in points) AddPoint(SubspaceId(p.Levels, create: true), p.LocalIndex(_type));
    }

    /// <summary>
    /// Removes <paramref name="points"/> (leaves of the current set: <see cref="Leaves"/>); a subspace left empty
    /// disappears. <see cref="Build"/> refuses a set that is no longer ancestor closed.
    /// </summary>
    public void Remove(IEnumerable<GridPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        foreach (var p in points)
            if (SubspaceId(p.Levels, create: false) is var id and >= 0) RemovePoint(id, p.LocalIndex(_type));
    }

    /// <summary>Removes the point of row <paramref name="row"/> of the starting grid (a leaf, see <see cref="Remove"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RemoveRow(int row)
    {
        var (s, local) = RowPoint(row);
        RemovePoint(s, local);
    }

    /// <summary>Never adds <paramref name="point"/> as a child in <see cref="RefineRow"/> (a point coarsened before).</summary>
    internal void Exclude(GridPoint point) => Exclude(point.Levels, [point.LocalIndex(_type)]);

    /// <summary>
    /// Never adds the points <paramref name="locals"/> (local indices) of subspace <paramref name="levels"/> as
    /// children in <see cref="RefineRow"/> (points coarsened before); the subspace need not exist yet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Exclude(int[] levels, IReadOnlyList<int> locals)
    {
        int id = SubspaceId(levels, create: false);
        if (id >= 0)
        {
            _excluded ??= [];
            for (int i = 0; i < locals.Count; i++) _excluded.Add(Key(id, locals[i]));
            return;
        }
        _pendingExclusions ??= new Dictionary<int[], List<int>>(GridRemap.LevelVectorComparer);
        if (!_pendingExclusions.TryGetValue(levels, out var pending)) _pendingExclusions[levels] = pending = [];
        for (int i = 0; i < locals.Count; i++) pending.Add(locals[i]);
    }

    /// <summary>
    /// Refines the point of row <paramref name="row"/> of the starting grid: adds its children (in every dimension,
    /// levels up to <paramref name="maxLevel1D"/>, none excluded) that are absent and their absent ancestors; returns
    /// how many points it added (0: nothing to refine). <see cref="UndoRefinement"/> takes the last one back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int RefineRow(int row, int maxLevel1D)
    {
        var (s, local) = RowPoint(row);
        int before = _added.Count;
        _lastRefinement = before;
        Span<int> k = stackalloc int[_d];
        Span<int> childLevels = stackalloc int[2], childPositions = stackalloc int[2];
        Positions(s, local, k);
        for (int j = 0; j < _d; j++)
        {
            int l = _levels[s * _d + j];
            if (l >= maxLevel1D) continue;
            int n = SparseGrid.HierarchicalChildren(_type, l, k[j], childLevels, childPositions);
            int child = Neighbour(s, j, +1, create: true);
            for (int q = 0; q < n; q++)
            {
                long key = Key(child, LocalWith(child, k, j, childPositions[q]));
                if (_excluded is null || !_excluded.Contains(key)) _stack.Add(key);
            }
        }
        AddClosure();
        return _added.Count - before;
    }

    /// <summary>Takes back the points the last <see cref="RefineRow"/> added.</summary>
    internal void UndoRefinement() => Undo(_lastRefinement);

    private int _lastRefinement;

    /// <summary>Levels then positions of the point of row <paramref name="row"/> of the starting grid (<see cref="GridPoint.ToArray"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int[] RowArray(int row)
    {
        var (s, local) = RowPoint(row);
        var result = new int[2 * _d];
        _levels.AsSpan(s * _d, _d).CopyTo(result);
        Positions(s, local, result.AsSpan(_d));
        return result;
    }

    // The (subspace id, local index) of row `row` of the starting grid.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Id, int Local) RowPoint(int row)
    {
        int s = _grid.SubspaceOf(row);
        return (s, _grid.LocalIndex(s, (int)(row - _grid.SubspaceOffsets[s])));
    }

    /// <summary>
    /// Rows of <paramref name="grid"/> whose points have no child present in any dimension, except the points of the
    /// coarsest subspace (MinLevel, ..., MinLevel): removing any set of them keeps the grid ancestor closed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<int> Leaves(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        int d = grid.Dim;
        var levels = grid.Levels;
        ReadOnlySpan<int> strides = grid.Strides;
        var forward = grid.ForwardNeighbourNumbers;
        var leaves = new List<int>();
        Span<int> k = stackalloc int[d];
        Span<int> childLevels = stackalloc int[2], childPositions = stackalloc int[2];
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            bool root = true;
            for (int j = 0; j < d; j++) root &= levels[s * d + j] == grid.MinLevel;
            if (root) continue;
            int first = (int)grid.SubspaceOffsets[s], count = (int)grid.SubspaceOffsets[s + 1] - first;
            for (int r = 0; r < count; r++)
            {
                int local = grid.LocalIndex(s, r);
                grid.LocalPositions(s, local, k);
                bool leaf = true;
                for (int j = 0; j < d && leaf; j++)
                {
                    int c = forward[s * d + j];
                    if (c < 0 || levels[s * d + j] >= 31) continue;
                    int n = SparseGrid.HierarchicalChildren(grid.Type, levels[s * d + j], k[j], childLevels, childPositions);
                    for (int q = 0; q < n && leaf; q++)
                        leaf = grid.PointRow(c, SparseGrid.LocalWith(strides.Slice(c * d, d), k, j, childPositions[q])) < 0;
                }
                if (leaf) leaves.Add(first + r);
            }
        }
        return leaves;
    }

    /// <summary>
    /// The grid of the set: the starting grid's subspaces in their order (empty ones dropped), then the new ones by
    /// |l|_1 and lexicographically; each partial subspace with its present points. Ancestor closure and size are checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SparseGrid Build(int outputs = 1, long? maxBytes = null)
    {
        int d = _d;
        // The ids in the new grid's order: the starting subspaces that hold points, then the new ones sorted.
        var order = new int[_count];
        int kept = 0;
        for (int s = 0; s < _start; s++)
            if (_bits[s] is null || _present[s] > 0) order[kept++] = s;
        int total = kept;
        for (int s = _start; s < _count; s++)
            if (_present[s] > 0) order[total++] = s;
        // Insertion sort of the few new subspaces (by |l|_1, then lexicographically; level vectors are distinct).
        for (int a = kept + 1; a < total; a++)
            for (int b = a; b > kept && CompareLevels(order[b - 1], order[b]) > 0; b--) (order[b - 1], order[b]) = (order[b], order[b - 1]);
        var levels = new int[total * d];
        for (int t = 0; t < total; t++) _levels.AsSpan(order[t] * d, d).CopyTo(levels.AsSpan(t * d, d));
        // The starting grid is closed, so the set is closed exactly when every added point's parents are present
        // and no removed point has a present child: any other point was in the starting grid with all its parents,
        // and a parent missing now was removed. Else the full check (and its message) of FromPointSets.
        if (_grid.IsAncestorClosed && AddedAndRemovedClosed())
        {
            var sets = new SubspacePointSet?[total];
            for (int t = 0; t < total; t++)
            {
                int s = order[t];
                if (_bits[s] is not { } bits) sets[t] = _grid.PointSet(s);
                else if (_present[s] < _sizes[s]) sets[t] = new SubspacePointSet(_sizes[s], (ulong[])bits.Clone());
            }
            return SparseGrid.FromClosedPointSets(d, _type, levels, sets, outputs, maxBytes);
        }
        var vectors = new List<int[]>(total);
        var lists = new List<IReadOnlyList<int>?>(total);
        for (int t = 0; t < total; t++)
        {
            int s = order[t];
            vectors.Add(levels.AsSpan(t * d, d).ToArray());
            int[]? locals = _bits[s] is { } bits ? new SubspacePointSet(_sizes[s], (ulong[])bits.Clone()).Locals.ToArray() : _grid.PointSet(s)?.Locals.ToArray();
            lists.Add(locals is not null && locals.Length == _sizes[s] ? null : locals);
        }
        return SparseGrid.FromPointSets(d, _type, vectors, lists, outputs, maxBytes);
    }

    // ---- points as (id, local) ----

    private static long Key(int id, int local) => ((long)id << 32) | (uint)local;

    private static int IdOf(long key) => (int)(key >> 32);

    private static int LocalOf(long key) => (int)key;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Contains(int id, int local)
    {
        if ((uint)local >= (uint)_sizes[id]) return false;
        return _bits[id] is { } bits ? (bits[local >> 6] & (1UL << (local & 63))) != 0 : _grid.PointRow(id, local) >= 0;
    }

    // The subspace's bitmap, copied from the starting grid on first change.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong[] Touch(int id)
    {
        if (_bits[id] is { } bits) return bits;
        bits = _grid.PointSet(id)?.CopyBits() ?? FullBitmap(_sizes[id]);
        _present[id] = (int)(_grid.SubspaceOffsets[id + 1] - _grid.SubspaceOffsets[id]);
        return _bits[id] = bits;
    }

    private static ulong[] FullBitmap(int size)
    {
        var bits = new ulong[(size + 63) >> 6];
        Array.Fill(bits, ulong.MaxValue);
        if ((size & 63) != 0) bits[^1] = (1UL << (size & 63)) - 1;
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AddPoint(int id, int local)
    {
        if ((uint)local >= (uint)_sizes[id]) throw new ArgumentOutOfRangeException(nameof(local), local, $"Local index {local} is outside the subspace's {_sizes[id]} points.");
        var bits = Touch(id);
        ulong bit = 1UL << (local & 63);
        if ((bits[local >> 6] & bit) != 0) return false;
        bits[local >> 6] |= bit;
        _present[id]++;
        PointCount++;
        _added.Add(Key(id, local));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RemovePoint(int id, int local)
    {
        if (!Contains(id, local)) return;
        var bits = Touch(id);
        bits[local >> 6] &= ~(1UL << (local & 63));
        _present[id]--;
        PointCount--;
        _removed.Add(Key(id, local));
    }

    // Takes back the points added after the first `count` (a tentative refinement that did not fit).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Undo(int count)
    {
        for (int a = _added.Count - 1; a >= count; a--)
        {
            int id = IdOf(_added.Items[a]), local = LocalOf(_added.Items[a]);
            _bits[id]![local >> 6] &= ~(1UL << (local & 63));
            _present[id]--;
            PointCount--;
        }
        _added.Count = count;
    }

    // Adds the stacked points that are absent and, depth first, their absent ancestors (an added point is present,
    // so each is added once).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddClosure()
    {
        Span<int> k = stackalloc int[_d];
        Span<int> parentLevels = stackalloc int[2], parentPositions = stackalloc int[2];
        while (_stack.Count > 0)
        {
            long key = _stack.Items[--_stack.Count];
            int id = IdOf(key), local = LocalOf(key);
            if (Contains(id, local)) continue;
            AddPoint(id, local);
            Positions(id, local, k);
            for (int j = 0; j < _d; j++)
            {
                int n = SparseGrid.HierarchicalParents(_type, _levels[id * _d + j], k[j], parentLevels, parentPositions);
                if (n == 0) continue;
                int parent = Neighbour(id, j, -1, create: true);
                for (int q = 0; q < n; q++) _stack.Add(Key(parent, LocalWith(parent, k, j, parentPositions[q])));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AddedAndRemovedClosed()
    {
        Span<int> k = stackalloc int[_d];
        Span<int> levels = stackalloc int[2], positions = stackalloc int[2];
        for (int a = 0; a < _added.Count; a++)
        {
            long key = _added.Items[a];
            int id = IdOf(key), local = LocalOf(key);
            if (!Contains(id, local)) continue;
            Positions(id, local, k);
            for (int j = 0; j < _d; j++)
            {
                int n = SparseGrid.HierarchicalParents(_type, _levels[id * _d + j], k[j], levels, positions);
                if (n == 0) continue;
                int parent = Neighbour(id, j, -1, create: false);
                for (int q = 0; q < n; q++)
                    if (parent < 0 || !Contains(parent, LocalWith(parent, k, j, positions[q]))) return false;
            }
        }
        for (int a = 0; a < _removed.Count; a++)
        {
            long key = _removed.Items[a];
            int id = IdOf(key), local = LocalOf(key);
            if (Contains(id, local)) continue;
            Positions(id, local, k);
            for (int j = 0; j < _d; j++)
            {
                if (_levels[id * _d + j] >= 31) continue;
                int n = SparseGrid.HierarchicalChildren(_type, _levels[id * _d + j], k[j], levels, positions);
                int child = Neighbour(id, j, +1, create: false);
                if (child < 0) continue;
                for (int q = 0; q < n; q++)
                    if (Contains(child, LocalWith(child, k, j, positions[q]))) return false;
            }
        }
        return true;
    }

    // ---- subspaces ----

    // The id of subspace l +- e_j (l the levels of `id`), or -1 when absent and not `create`d.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Neighbour(int id, int j, int step, bool create)
    {
        Span<int> levels = stackalloc int[_d];
        _levels.AsSpan(id * _d, _d).CopyTo(levels);
        levels[j] += step;
        return SubspaceId(levels, create);
    }

    // The id of the subspace of `levels`: a starting one (the grid's O(1) lookup), a new one, or (create) a new id.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SubspaceId(ReadOnlySpan<int> levels, bool create)
    {
        if (levels.Length != _d)
            return create ? throw new ArgumentException($"A point of this grid has {_d} levels, got {levels.Length}.", nameof(levels)) : -1;
        int s = SparseGrid.FindGrown(_grid, _levels, _count, levels);
        if (s >= 0 || !create) return s;
        long size = 1;
        foreach (int l in levels)
        {
            if (l < _grid.MinLevel || l > 31)
                throw new ArgumentException($"Level vector ({string.Join(", ", levels.ToArray())}) has level {l}; {_type} grids use levels {_grid.MinLevel} to 31.", nameof(levels));
            size *= Basis1D.Count(_type, l);
        }
        if (size > int.MaxValue) throw new ArgumentException($"Subspace ({string.Join(", ", levels.ToArray())}) has {size} points, too many for a point set.", nameof(levels));
        if (_count == _sizes.Length) Grow();
        s = _count++;
        levels.CopyTo(_levels.AsSpan(s * _d, _d));
        long stride = 1;
        for (int j = _d - 1; j >= 0; j--)
        {
            _strides[s * _d + j] = (int)stride;
            stride *= Basis1D.Count(_type, levels[j]);
        }
        _sizes[s] = (int)size;
        _bits[s] = new ulong[(size + 63) >> 6];
        if (_pendingExclusions is not null && _pendingExclusions.Remove(levels.ToArray(), out var excluded))
            foreach (int local in excluded) (_excluded ??= []).Add(Key(s, local));
        return s;
    }

    private void Grow()
    {
        int capacity = 2 * _sizes.Length;
        Array.Resize(ref _levels, capacity * _d);
        Array.Resize(ref _strides, capacity * _d);
        Array.Resize(ref _sizes, capacity);
        Array.Resize(ref _present, capacity);
        Array.Resize(ref _bits, capacity);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Positions(int id, int local, Span<int> k) => SparseGrid.SplitLocal(_strides.AsSpan(id * _d, _d), local, k);

    // Local index in subspace `id` of positions k with k_j replaced by `position`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int LocalWith(int id, ReadOnlySpan<int> k, int j, int position) => SparseGrid.LocalWith(_strides.AsSpan(id * _d, _d), k, j, position);

    private int CompareLevels(int a, int b) =>
        SparseGrid.CompareBySumThenLexicographic(_levels.AsSpan(a * _d, _d), _levels.AsSpan(b * _d, _d));

    private GridPoint PointOf(long key)
    {
        int id = IdOf(key);
        var positions = new int[_d];
        Positions(id, LocalOf(key), positions);
        return new GridPoint(_levels.AsSpan(id * _d, _d).ToArray(), positions);
    }

    // A growable list of keys (the added and removed points, the closure's stack): a plain array, so the step's path
    // runs no generic collection code (which a handful of steps would leave unoptimised).
    private sealed class Keys
    {
        public long[] Items = new long[16];
        public int Count;

        public void Add(long key)
        {
            if (Count == Items.Length) Array.Resize(ref Items, 2 * Count);
            Items[Count++] = key;
        }
    }
}
