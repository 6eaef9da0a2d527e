using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// Spatially adaptive growth and shrinking of a grid point by point (SG++ refinement and coarsening functors,
/// Pflüger 2010): refining a point adds its hierarchical children in every dimension and any of their missing
/// ancestors, so the set stays closed under ancestors (<see cref="SparseGrid.EnsureAncestorClosed"/>); coarsening
/// removes leaves (points none of whose children are present). Subspaces keep their order, new ones follow (by
/// |l|_1, then lexicographically); points move between numberings through <see cref="GridRemap.PointSources"/>.
/// </summary>
public sealed class PointRefinement
{
    // The starting grid answers for its subspaces until Add or Remove touches one; only then is that subspace's
    // point set copied into a HashSet (a step touches a few subspaces: copying every point of the grid into sets
    // cost more than the rest of the planning). The added and removed points are remembered so that Build can check
    // closure on them alone.
    private readonly SparseGrid _grid;
    private readonly Dictionary<int[], int> _startSubspaces;
    private readonly HashSet<int>?[] _touched;
    private readonly List<int[]> _newOrder = [];
    private readonly Dictionary<int[], HashSet<int>> _newLocals = new(GridRemap.LevelVectorComparer);
    private readonly List<GridPoint> _added = [], _removed = [];

    /// <summary>Starts from every point of <paramref name="grid"/> (Linear, ModifiedLinear or LinearBoundary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PointRefinement(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Type == GridType.LinearExtendedBoundary)
            throw new ArgumentException("Spatially adaptive refinement supports Linear, ModifiedLinear and LinearBoundary grids (see SparseGrid.FromPointSets).", nameof(grid));
        _grid = grid;
        _startSubspaces = GridRemap.SubspaceIndex(grid);
        _touched = new HashSet<int>?[grid.SubspaceCount];
        PointCount = grid.PointCount;
    }

    /// <summary>Points in the set now.</summary>
    public long PointCount { get; private set; }

    /// <summary>True when <paramref name="point"/> is in the set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Contains(GridPoint point)
    {
        int local = point.LocalIndex(_grid.Type);
        if (_startSubspaces.TryGetValue(point.Levels, out int s))
            return _touched[s] is { } set ? set.Contains(local) : (uint)local < (uint)_grid.FullSubspaceSize(s) && _grid.PointRow(s, local) >= 0;
        return _newLocals.TryGetValue(point.Levels, out var added) && added.Contains(local);
    }

    // The present local indices of the subspace of `levels`, as a set that may change (null: a new subspace, when
    // `create` is false).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private HashSet<int>? Locals(int[] levels, bool create)
    {
        if (_startSubspaces.TryGetValue(levels, out int s))
        {
            if (_touched[s] is { } set) return set;
            int count = (int)(_grid.SubspaceOffsets[s + 1] - _grid.SubspaceOffsets[s]);
            set = new HashSet<int>(count);
            for (int r = 0; r < count; r++) set.Add(_grid.LocalIndex(s, r));
            return _touched[s] = set;
        }
        if (_newLocals.TryGetValue(levels, out var added)) return added;
        if (!create) return null;
        _newLocals.Add(levels, added = []);
        _newOrder.Add(levels);
        return added;
    }

    /// <summary>
    /// The points a refinement of <paramref name="points"/> would add: those absent, plus their absent ancestors,
    /// each once (what <see cref="Add"/> needs to keep the set closed). Skips points in <paramref name="excluded"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public List<GridPoint> MissingWithAncestors(IEnumerable<GridPoint> points, ISet<GridPoint>? excluded = null)
    {
        var result = new List<GridPoint>();
        var seen = new HashSet<GridPoint>();
        var stack = new Stack<GridPoint>();
        foreach (var p in points)
            if (excluded is null || !excluded.Contains(p)) stack.Push(p);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            if (Contains(p) || !seen.Add(p)) continue;
            result.Add(p);
            foreach (var parent in p.Parents(_grid.Type)) stack.Push(parent);
        }
        return result;
    }

    /// <summary>Adds <paramref name="points"/> (with their ancestors: pass <see cref="MissingWithAncestors"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(IEnumerable<GridPoint> points)
    {
        foreach (var p in points)
            if (Locals(p.Levels, create: true)!.Add(p.LocalIndex(_grid.Type)))
            {
                PointCount++;
                _added.Add(p);
            }
    }

    /// <summary>
    /// Removes <paramref name="points"/> (leaves of the current set: <see cref="Leaves"/>); a subspace left empty
    /// disappears. <see cref="Build"/> refuses a set that is no longer ancestor closed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Remove(IEnumerable<GridPoint> points)
    {
        foreach (var p in points)
            if (Locals(p.Levels, create: false) is { } set && set.Remove(p.LocalIndex(_grid.Type)))
            {
                PointCount--;
                _removed.Add(p);
            }
    }

    /// <summary>
    /// Rows of <paramref name="grid"/> whose points have no child present in any dimension, except the points of the
    /// coarsest subspace (MinLevel, ..., MinLevel): removing any set of them keeps the grid ancestor closed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<int> Leaves(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var builder = new PointRefinement(grid);
        var leaves = new List<int>();
        for (int row = 0; row < grid.PointCount; row++)
        {
            var p = GridPoint.Of(grid, row);
            if (p.Levels.All(l => l == grid.MinLevel)) continue;
            if (!p.Children(grid.Type, 31).Any(builder.Contains)) leaves.Add(row);
        }
        return leaves;
    }

    // New subspaces by |l|_1, then lexicographically (level vectors are distinct, so the order is total).
    private static readonly Comparer<int[]> NewSubspaceOrder = Comparer<int[]>.Create((a, b) =>
    {
        int c = a.Sum().CompareTo(b.Sum());
        return c != 0 ? c : a.AsSpan().SequenceCompareTo(b);
    });

    /// <summary>
    /// The grid of the set: the starting grid's subspaces in their order (empty ones dropped), then the new ones by
    /// |l|_1 and lexicographically; each partial subspace with its present points. Ancestor closure and size are checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SparseGrid Build(int outputs = 1, long? maxBytes = null)
    {
        // Loops, not LINQ: a training run builds a handful of grids, so this code never leaves tier 0 unless it is
        // marked for optimisation, and LINQ's per-element delegates would then run unoptimised.
        int d = _grid.Dim, old = _grid.SubspaceCount;
        var newOrder = new List<int[]>(_newOrder);
        newOrder.Sort(NewSubspaceOrder);
        var levels = new List<int[]>(old + newOrder.Count);
        var present = new List<IReadOnlyCollection<int>?>(old + newOrder.Count);   // null: all points
        var unchanged = new List<SubspacePointSet?>(old + newOrder.Count);          // untouched: the starting grid's own (immutable) set
        for (int s = 0; s < old; s++)
        {
            var l = _grid.SubspaceLevels.Slice(s * d, d).ToArray();
            if (_touched[s] is not { } set)
            {
                levels.Add(l);
                present.Add(null);
                unchanged.Add(_grid.PointSet(s));
            }
            else if (set.Count > 0)
            {
                levels.Add(l);
                present.Add(set);
                unchanged.Add(null);
            }
        }
        bool valid = true;   // the new level vectors as FromPointSets requires them (else its check and message)
        foreach (var l in newOrder)
        {
            var set = _newLocals[l];
            if (set.Count == 0) continue;
            levels.Add(l);
            present.Add(set);
            unchanged.Add(null);
            valid &= l.Length == d && Array.TrueForAll(l, lj => lj >= _grid.MinLevel && lj <= 31);
        }
        // The starting grid is closed, so the set is closed exactly when every added point's parents are present
        // and no removed point has a present child: any other point was in the starting grid with all its parents,
        // and a parent missing now was removed. Else the full check (and its message) of FromPointSets.
        if (valid && _grid.IsAncestorClosed && AddedAndRemovedClosed())
        {
            var sets = new SubspacePointSet?[levels.Count];
            for (int s = 0; s < sets.Length; s++)
            {
                if (present[s] is not { } locals) sets[s] = unchanged[s];
                else if (SparseGrid.FullSubspaceSize(_grid.Type, levels[s]) is var size && locals.Count < size)
                {
                    if (size > int.MaxValue) throw new ArgumentException($"Subspace ({string.Join(", ", levels[s])}) has {size} points, too many for a point set.");
                    sets[s] = new SubspacePointSet((int)size, locals);
                }
            }
            return SparseGrid.FromClosedPointSets(d, _grid.Type, levels, sets, outputs, maxBytes);
        }
        var lists = new List<IReadOnlyList<int>?>(levels.Count);
        for (int s = 0; s < levels.Count; s++)
        {
            var locals = present[s] is { } set ? [.. set] : unchanged[s]?.Locals.ToArray();
            if (locals is not null && locals.Length == SparseGrid.FullSubspaceSize(_grid.Type, levels[s])) locals = null;
            lists.Add(locals);
        }
        return SparseGrid.FromPointSets(d, _grid.Type, levels, lists, outputs, maxBytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AddedAndRemovedClosed()
    {
        foreach (var p in _added)
            if (Contains(p))
                foreach (var parent in p.Parents(_grid.Type))
                    if (!Contains(parent)) return false;
        foreach (var p in _removed)
            if (!Contains(p))
                foreach (var child in p.Children(_grid.Type, 31))
                    if (Contains(child)) return false;
        return true;
    }
}
