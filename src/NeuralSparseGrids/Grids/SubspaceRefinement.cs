using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// Dimension-adaptive growth of a downward-closed subspace set (Gerstner and Griebel 2003): the admissible forward
/// neighbours l + e_j (every backward neighbour present) and the grown grid, whose old points keep their numbers so
/// the old surpluses stay a prefix of the coefficient matrix and new surpluses start at zero (the function is unchanged).
/// </summary>
public static class SubspaceRefinement
{
    /// <summary>
    /// The level vectors l + e_j, l in <paramref name="grid"/>, that are absent and whose every backward neighbour is
    /// present (adding any of them keeps the set downward closed), each once, ordered by |l|_1 then lexicographically.
    /// <paramref name="maxLevel1D"/> bounds every one-dimensional level (default 31, the evaluator's limit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<int[]> AdmissibleForwardNeighbours(SparseGrid grid, int maxLevel1D = 31)
    {
        ArgumentNullException.ThrowIfNull(grid);
        grid.EnsureDownwardClosed();
        int d = grid.Dim;
        var levels = grid.SubspaceLevels;
        var present = new HashSet<int[]>(grid.SubspaceCount, GridRemap.LevelVectorComparer);
        for (int s = 0; s < grid.SubspaceCount; s++) present.Add(levels.Slice(s * d, d).ToArray());
        var found = new HashSet<int[]>(GridRemap.LevelVectorComparer);
        for (int s = 0; s < grid.SubspaceCount; s++)
            for (int j = 0; j < d; j++)
            {
                var candidate = levels.Slice(s * d, d).ToArray();
                if (++candidate[j] > maxLevel1D) continue;
                if (present.Contains(candidate) || found.Contains(candidate)) continue;
                bool admissible = true;
                for (int k = 0; k < d && admissible; k++)
                {
                    if (candidate[k] == grid.MinLevel) continue;
                    candidate[k]--;
                    admissible = present.Contains(candidate);
                    candidate[k]++;
                }
                if (admissible) found.Add(candidate);
            }
        return found
            .OrderBy(l => l.Sum())
            .ThenBy(l => l, Comparer<int[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))
            .ToList();
    }

    /// <summary>
    /// The grid of <paramref name="grid"/>'s subspaces (same order, so every old point keeps its number) followed by
    /// <paramref name="added"/>; refused unless the result is downward closed, and size-checked like
    /// <see cref="SparseGrid.FromSubspaces"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SparseGrid Grow(SparseGrid grid, IEnumerable<IReadOnlyList<int>> added, int outputs = 1, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(added);
        int d = grid.Dim;
        var old = new List<IReadOnlyList<int>>(grid.SubspaceCount);
        for (int s = 0; s < grid.SubspaceCount; s++) old.Add(grid.SubspaceLevels.Slice(s * d, d).ToArray());
        return SparseGrid.FromDownwardClosedSubspaces(d, grid.Type, old.Concat(added), outputs, maxBytes);
    }

    /// <summary>
    /// Surpluses (old points, outputs) row-major carried to <paramref name="grown"/> (a <see cref="Grow"/> result):
    /// the old rows unchanged, the new rows zero.
    /// </summary>
    public static T[] CarrySurpluses<T>(SparseGrid grown, T[] surpluses, int outputs) where T : struct
    {
        ArgumentNullException.ThrowIfNull(grown);
        ArgumentNullException.ThrowIfNull(surpluses);
        if (outputs < 1 || surpluses.Length % outputs != 0 || surpluses.Length > grown.PointCount * outputs)
            throw new ArgumentException($"surpluses must be (old points, outputs = {outputs}) row-major with at most {grown.PointCount} points, got length {surpluses.Length}.", nameof(surpluses));
        var result = new T[grown.PointCount * outputs];
        surpluses.CopyTo(result, 0);
        return result;
    }

    /// <summary>
    /// The leaves of a downward-closed set: subspaces l other than the coarsest (MinLevel, ..., MinLevel) none of whose
    /// forward neighbours l + e_j is present, so removing any of them (or any set of them) keeps the set downward closed
    /// (SG++ coarsening's candidates at subspace granularity). Subspace numbers of <paramref name="grid"/>, ascending.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<int> Leaves(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        grid.EnsureDownwardClosed();
        int d = grid.Dim;
        var present = GridRemap.SubspaceIndex(grid);
        var leaves = new List<int>();
        var probe = new int[d];
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            var levels = grid.SubspaceLevels.Slice(s * d, d);
            bool root = true;
            foreach (int l in levels) root &= l == grid.MinLevel;
            if (root) continue;
            bool leaf = true;
            for (int j = 0; j < d && leaf; j++)
            {
                levels.CopyTo(probe);
                probe[j]++;
                leaf = !present.ContainsKey(probe);
            }
            if (leaf) leaves.Add(s);
        }
        return leaves;
    }

    /// <summary>
    /// The grid of <paramref name="grid"/>'s subspaces without the subspaces numbered <paramref name="removed"/> (order
    /// kept); refused unless the result is downward closed (remove <see cref="Leaves"/> only). Points move: carry
    /// values with <see cref="GridRemap.PointSources"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SparseGrid Shrink(SparseGrid grid, IEnumerable<int> removed, int outputs = 1, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(removed);
        var drop = removed.ToHashSet();
        var kept = GridRemap.LevelVectors(grid).Where((_, s) => !drop.Contains(s)).ToList();
        return SparseGrid.FromDownwardClosedSubspaces(grid.Dim, grid.Type, kept, outputs, maxBytes);
    }
}
