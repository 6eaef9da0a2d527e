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
    private readonly SparseGrid _grid;
    private readonly List<int[]> _order = [];
    private readonly Dictionary<int[], HashSet<int>> _locals = new(GridRemap.LevelVectorComparer);

    /// <summary>Starts from every point of <paramref name="grid"/> (Linear, ModifiedLinear or LinearBoundary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PointRefinement(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Type == GridType.LinearExtendedBoundary)
            throw new ArgumentException("Spatially adaptive refinement supports Linear, ModifiedLinear and LinearBoundary grids (see SparseGrid.FromPointSets).", nameof(grid));
        _grid = grid;
        int d = grid.Dim;
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            var levels = grid.SubspaceLevels.Slice(s * d, d).ToArray();
            int count = (int)(grid.SubspaceOffsets[s + 1] - grid.SubspaceOffsets[s]);
            var set = new HashSet<int>(count);
            for (int r = 0; r < count; r++) set.Add(grid.LocalIndex(s, r));
            _order.Add(levels);
            _locals.Add(levels, set);
        }
        PointCount = grid.PointCount;
    }

    /// <summary>Points in the set now.</summary>
    public long PointCount { get; private set; }

    /// <summary>True when <paramref name="point"/> is in the set.</summary>
    public bool Contains(GridPoint point) =>
        _locals.TryGetValue(point.Levels, out var set) && set.Contains(point.LocalIndex(_grid.Type));

    /// <summary>
    /// The points a refinement of <paramref name="points"/> would add: those absent, plus their absent ancestors,
    /// each once (what <see cref="Add"/> needs to keep the set closed). Skips points in <paramref name="excluded"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public List<GridPoint> MissingWithAncestors(IEnumerable<GridPoint> points, ISet<GridPoint>? excluded = null)
    {
        var result = new List<GridPoint>();
        var seen = new HashSet<GridPoint>();
        var stack = new Stack<GridPoint>(points.Where(p => excluded is null || !excluded.Contains(p)));
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
        {
            if (!_locals.TryGetValue(p.Levels, out var set))
            {
                _locals.Add(p.Levels, set = []);
                _order.Add(p.Levels);
            }
            if (set.Add(p.LocalIndex(_grid.Type))) PointCount++;
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
            if (_locals.TryGetValue(p.Levels, out var set) && set.Remove(p.LocalIndex(_grid.Type))) PointCount--;
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
        int old = _grid.SubspaceCount;
        var order = new List<int[]>(_order);
        order.Sort(old, order.Count - old, NewSubspaceOrder);
        var levels = new List<int[]>(order.Count);
        var sets = new List<IReadOnlyList<int>?>(order.Count);
        foreach (var l in order)
        {
            var set = _locals[l];
            if (set.Count == 0) continue;
            long size = 1;
            foreach (int lj in l) size *= Basis1D.Count(_grid.Type, lj);
            levels.Add(l);
            if (set.Count == size)
            {
                sets.Add(null);
                continue;
            }
            var locals = new int[set.Count];
            set.CopyTo(locals);
            Array.Sort(locals);
            sets.Add(locals);
        }
        return SparseGrid.FromPointSets(_grid.Dim, _grid.Type, levels, sets, outputs, maxBytes);
    }
}
