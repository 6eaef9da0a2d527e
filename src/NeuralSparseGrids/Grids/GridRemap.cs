using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// How the points of one grid correspond to those of another built from an overlapping subspace set (a grid grown by
/// refinement, shrunk by coarsening, or both): a point is identified by its subspace's level vector and its local
/// index (the full subspace's numbering, which depends on its own levels only), so shared subspaces map block by block
/// and partial subspaces (spatially adaptive grids) point by point.
/// </summary>
public static class GridRemap
{
    /// <summary>
    /// For every point of <paramref name="to"/> the point of <paramref name="from"/> with the same level vector and
    /// local index, or -1 where that point is not in <paramref name="from"/> (length
    /// <c>to.PointCount</c>). Both grids must have the same dimension and type.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] PointSources(SparseGrid from, SparseGrid to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Dim != to.Dim || from.Type != to.Type)
            throw new ArgumentException($"Grids differ in dimension or type ({from.Dim}, {from.Type} vs {to.Dim}, {to.Type}); points cannot be matched.");
        var sources = new int[checked((int)to.PointCount)];
        int d = to.Dim;
        for (int s = 0; s < to.SubspaceCount; s++)
        {
            int start = (int)to.SubspaceOffsets[s], size = (int)(to.SubspaceOffsets[s + 1] - to.SubspaceOffsets[s]);
            if (from.FindSubspace(to.SubspaceLevels.Slice(s * d, d)) is var f and >= 0)
                for (int k = 0; k < size; k++) sources[start + k] = from.PointRow(f, to.LocalIndex(s, k));
            else
                sources.AsSpan(start, size).Fill(-1);
        }
        return sources;
    }

    /// <summary>
    /// Compares level vectors (or any int arrays) by their elements: the key of sets of level vectors (the factories'
    /// duplicate check, the subspaces coarsened so far), where string keys ("3,1,2") cost an allocation and a join
    /// each. A subspace's number in a grid is found with <see cref="SparseGrid.FindSubspace"/>.
    /// </summary>
    public static IEqualityComparer<int[]> LevelVectorComparer { get; } = new ElementComparer();

    private sealed class ElementComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(int[] levels)
        {
            var hash = new HashCode();
            foreach (int l in levels) hash.Add(l);
            return hash.ToHashCode();
        }
    }

    /// <summary>The level vectors of <paramref name="grid"/>'s subspaces, in its order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[][] LevelVectors(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var result = new int[grid.SubspaceCount][];
        for (int s = 0; s < grid.SubspaceCount; s++) result[s] = grid.SubspaceLevels.Slice(s * grid.Dim, grid.Dim).ToArray();
        return result;
    }

    /// <summary>
    /// Per subspace of <paramref name="grid"/> the local indices of its points (ascending) where it is partial, null
    /// where it is full; null when no subspace is partial (how <see cref="SparseGrid.FromPointSets"/> rebuilds the grid).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[]?[]? PointSets(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (!grid.HasPartialSubspaces) return null;
        return Enumerable.Range(0, grid.SubspaceCount).Select(s => grid.PointSet(s)?.Locals.ToArray()).ToArray();
    }

    /// <summary>A level vector as a dictionary key ("3,1,2").</summary>
    public static string Key(ReadOnlySpan<int> levels) => string.Join(',', levels.ToArray());
}
