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
        // By the neighbour tables, no lookups: candidate c = l + e_j (l = subspace s) is absent when s has no forward
        // neighbour j; its backward neighbour c - e_k (k != j, c_k above the coarsest level) is the forward neighbour
        // j of l - e_k. Each admissible c has all its backward neighbours present, so it is met once per such
        // neighbour: it is taken only from c - e_j with j its first dimension above the coarsest level (l_k = MinLevel
        // for every k < j), so no set is needed to list it once.
        int d = grid.Dim, min = grid.MinLevel;
        var levels = grid.Levels;
        var back = grid.BackwardNeighbourNumbers;
        var forward = grid.ForwardNeighbourNumbers;
        var found = new List<int[]>();
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            int at = s * d;
            for (int j = 0; j < d; j++)
            {
                if (forward[at + j] < 0)
                {
                    // maxLevel1D bounds the level a candidate raises: c is listed when one of its backward
                    // neighbours c - e_k has c_k <= maxLevel1D (only a level the grid has already can exceed it).
                    bool admissible = true, bounded = levels[at + j] < maxLevel1D;
                    for (int k = 0; k < d && admissible; k++)
                        if (k != j && levels[at + k] != min)
                        {
                            admissible = back[at + k] >= 0 && forward[back[at + k] * d + j] >= 0;
                            bounded |= levels[at + k] <= maxLevel1D;
                        }
                    if (admissible && bounded)
                    {
                        var candidate = levels.AsSpan(at, d).ToArray();
                        candidate[j]++;
                        found.Add(candidate);
                    }
                }
                if (levels[at + j] != min) break;   // later dimensions j: c - e_j is not c's first backward neighbour
            }
        }
        SparseGrid.SortBySumThenLexicographic(found);
        return found;
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
        return SparseGrid.Grown(grid, added, outputs, maxBytes);
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
        var levels = grid.Levels;
        var forward = grid.ForwardNeighbourNumbers;
        var leaves = new List<int>();
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            bool root = true, leaf = true;
            for (int j = 0; j < d; j++)
            {
                root &= levels[s * d + j] == grid.MinLevel;
                leaf &= forward[s * d + j] < 0;
            }
            if (root) continue;
            if (leaf) leaves.Add(s);
        }
        return leaves;
    }

    /// <summary>
    /// The grid of <paramref name="grid"/>'s subspaces (every one full) without the subspaces numbered
    /// <paramref name="removed"/> (order kept); refused unless the result is downward closed (remove <see cref="Leaves"/>
    /// only). Points move: carry values with <see cref="GridRemap.PointSources"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SparseGrid Shrink(SparseGrid grid, IEnumerable<int> removed, int outputs = 1, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentNullException.ThrowIfNull(removed);
        var drop = new bool[grid.SubspaceCount];
        foreach (int s in removed)
        {
            if ((uint)s >= (uint)grid.SubspaceCount)
                throw new ArgumentOutOfRangeException(nameof(removed), s, $"The grid has subspaces 0 to {grid.SubspaceCount - 1}.");
            drop[s] = true;
        }
        return SparseGrid.Shrunk(grid, drop, outputs, maxBytes);
    }
}
