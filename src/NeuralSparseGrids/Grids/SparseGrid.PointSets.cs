using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

public sealed partial class SparseGrid
{
    /// <summary>
    /// Creates a spatially adaptive grid: the subspaces <paramref name="levelVectors"/> (numbered in the given order),
    /// each holding the points whose local indices (<c>sum_j k_j * Stride(s, j)</c>) <paramref name="pointSets"/>
    /// lists, or all of them where the entry is null. Refused unless every hierarchical ancestor of every point is
    /// present (<see cref="EnsureAncestorClosed"/>; this makes the subspace set downward closed too), unless every
    /// subspace holds at least one point, and for <see cref="GridType.LinearExtendedBoundary"/> partial subspaces
    /// (its level 1 mixes boundary functions and a hat whose interpolation depends on them within one level, so a
    /// point set there has no single-parent hierarchy). Size checked on the present points like <see cref="FromSubspaces"/>.
    /// </summary>
    /// <param name="dim">Dimension d &gt;= 1.</param>
    /// <param name="type">Grid type: <see cref="GridType.Linear"/>, <see cref="GridType.ModifiedLinear"/> or <see cref="GridType.LinearBoundary"/> for partial subspaces.</param>
    /// <param name="levelVectors">The subspaces' level vectors (each of length d).</param>
    /// <param name="pointSets">Per subspace: the present local indices (any order, distinct), or null for all points.</param>
    /// <param name="outputs">Number of coefficient columns the caller will allocate (for the size check).</param>
    /// <param name="maxBytes">Memory budget; default <see cref="GridSize.DefaultMaxBytes"/> (2 GiB).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SparseGrid FromPointSets(int dim, GridType type, IEnumerable<IReadOnlyList<int>> levelVectors, IReadOnlyList<IReadOnlyList<int>?> pointSets,
        int outputs = 1, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(pointSets);
        var (subspaces, _, level) = CheckedLevelVectors(dim, type, levelVectors);
        if (pointSets.Count != subspaces.Count)
            throw new ArgumentException($"{pointSets.Count} point sets for {subspaces.Count} subspaces; give one per subspace (null: all its points).", nameof(pointSets));
        var sets = new SubspacePointSet?[subspaces.Count];
        double points = 0;
        for (int s = 0; s < subspaces.Count; s++)
        {
            long size = FullSubspaceSize(type, subspaces[s]);
            if (pointSets[s] is not { } locals)
            {
                points += size;
                continue;
            }
            if (size > int.MaxValue) throw new ArgumentException($"Subspace ({string.Join(", ", subspaces[s])}) has {size} points, too many for a point set.", nameof(pointSets));
            if (locals.Count == 0)
                throw new ArgumentException($"Subspace ({string.Join(", ", subspaces[s])}) holds no point; leave empty subspaces out.", nameof(pointSets));
            var set = new SubspacePointSet((int)size, locals);
            if (!set.IsFull && type == GridType.LinearExtendedBoundary)
                throw new ArgumentException("Partial subspaces (spatially adaptive grids) are supported for Linear, ModifiedLinear and LinearBoundary grids; " +
                    "LinearExtendedBoundary's level 1 couples its boundary functions and hat within one level.", nameof(type));
            sets[s] = set;
            points += set.Count;
        }
        EnsureBudget(dim, level, type, subspaces.Count, points, outputs, maxBytes);
        var grid = new SparseGrid(dim, level, type, subspaces, sets);
        grid.EnsureAncestorClosed();
        return grid;
    }

    /// <summary>
    /// <see cref="FromPointSets"/> for a caller that has already made the point sets (each non-empty, none for
    /// LinearExtendedBoundary partial), whose level vectors are distinct and in range, and which has proven the set
    /// ancestor closed (<see cref="PointRefinement"/> checks only the points it added and removed): only the size is
    /// checked; closure is recorded, not re-checked. <paramref name="levels"/>: (subspaces, dim) row-major, kept by the grid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static SparseGrid FromClosedPointSets(int dim, GridType type, int[] levels, SubspacePointSet?[] sets, int outputs, long? maxBytes)
    {
        // The builder's level vectors are distinct and in range by construction (the starting grid's, then new
        // children of its points): no uniqueness set here, only the level n and the size.
        double points = 0;
        int maxSum = 0;
        for (int s = 0; s < sets.Length; s++)
        {
            var (sum, size) = SumAndSize(type, levels.AsSpan(s * dim, dim));
            maxSum = Math.Max(maxSum, sum);
            points += sets[s] is { } set ? set.Count : size;
        }
        int level = Math.Max(1, maxSum - dim + 1);
        EnsureBudget(dim, level, type, sets.Length, points, outputs, maxBytes);
        return new SparseGrid(dim, level, type, levels, sets) { _ancestorClosed = true };
    }

    // Set once the grid is known to be closed under hierarchical ancestors (a grid never changes after construction).
    private bool _ancestorClosed;

    /// <summary>True when every hierarchical ancestor of every point is present (<see cref="EnsureAncestorClosed"/> passes); remembered.</summary>
    internal bool IsAncestorClosed
    {
        get
        {
            if (_ancestorClosed) return true;
            if (!IsDownwardClosed || MissingParent() is not null) return false;
            return _ancestorClosed = true;
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming a point and its missing hierarchical parent unless every parent
    /// (<see cref="HierarchicalParents"/>) of every point, in every dimension, is in the grid (spatially adaptive
    /// grids must be; regular and downward-closed grids always are).
    /// </summary>
    public void EnsureAncestorClosed()
    {
        if (_ancestorClosed) return;
        EnsureDownwardClosed();
        if (MissingParent() is (int s, int[] k, int j, int parentLevel, int parentPosition))
            throw new ArgumentException(
                $"The point set is not closed under hierarchical ancestors: the point with levels ({string.Join(", ", _levels.AsSpan(s * Dim, Dim).ToArray())}) " +
                $"and local positions ({string.Join(", ", k)}) is present but its parent in dimension {j} (level {parentLevel}, local position {parentPosition}) is not.");
        _ancestorClosed = true;
    }

    /// <summary>
    /// The first present point (subspace, local positions) with an absent hierarchical parent in some dimension (that
    /// dimension, the parent's level and local position), or null when there is none. Needs a downward-closed set
    /// (every parent's subspace present).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Subspace, int[] Positions, int Dimension, int ParentLevel, int ParentPosition)? MissingParent()
    {
        if (!HasPartialSubspaces) return null;
        var back = BackwardNeighbourNumbers;
        int d = Dim;
        Span<int> k = stackalloc int[d];
        Span<int> parentLevel = stackalloc int[2];
        Span<int> parentPosition = stackalloc int[2];
        for (int s = 0; s < SubspaceCount; s++)
        {
            int count = (int)(_offsets[s + 1] - _offsets[s]);
            for (int r = 0; r < count; r++)
            {
                LocalPositions(s, LocalIndex(s, r), k);
                for (int j = 0; j < d; j++)
                {
                    int parents = HierarchicalParents(Type, _levels[s * d + j], k[j], parentLevel, parentPosition);
                    // Every parent is at level l - 1 (the set is downward closed, so that subspace is present).
                    int ps = back[s * d + j];
                    for (int q = 0; q < parents; q++)
                        if (PointRow(ps, LocalWith(_strides.AsSpan(ps * d, d), k, j, parentPosition[q])) < 0)
                            return (s, k.ToArray(), j, parentLevel[q], parentPosition[q]);
                }
            }
        }
        return null;
    }

    /// <summary>Splits local index <paramref name="local"/> of subspace <paramref name="subspace"/> into the local positions k_j (length d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LocalPositions(int subspace, int local, Span<int> positions) => SplitLocal(_strides.AsSpan(subspace * Dim, Dim), local, positions);

    /// <summary>The local positions k_j of local index <paramref name="local"/> in a subspace with <paramref name="strides"/> (length d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SplitLocal(ReadOnlySpan<int> strides, int local, Span<int> positions)
    {
        for (int j = 0; j < strides.Length; j++)
        {
            positions[j] = local / strides[j];
            local -= positions[j] * strides[j];
        }
    }

    /// <summary>
    /// The local index, in a subspace with <paramref name="strides"/>, of positions <paramref name="k"/> with k_j
    /// replaced by <paramref name="position"/>: a point's parent or child in dimension j (the other positions stay).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LocalWith(ReadOnlySpan<int> strides, ReadOnlySpan<int> k, int j, int position)
    {
        int local = 0;
        for (int i = 0; i < strides.Length; i++) local += (i == j ? position : k[i]) * strides[i];
        return local;
    }

    /// <summary>
    /// The one-dimensional hierarchical parents of the function (level <paramref name="level"/>, local position
    /// <paramref name="k"/>): the functions of the next coarser level whose support holds its grid point and which the
    /// point's hierarchization reads. Hat levels l &gt;= 2: (l - 1, k / 2). The coarsest hat level (1 of Linear and
    /// ModifiedLinear) and level 0 of LinearBoundary: none. Level 1 of LinearBoundary: both boundary functions (0, 0),
    /// (0, 1). Returns the number of parents written (at most 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int HierarchicalParents(GridType type, int level, int k, Span<int> parentLevels, Span<int> parentPositions)
    {
        if (type == GridType.LinearExtendedBoundary)
            throw new ArgumentException("LinearExtendedBoundary grids have no single-parent point hierarchy (see FromPointSets).", nameof(type));
        if (level <= Basis1D.MinLevel(type)) return 0;
        if (level == 1)   // LinearBoundary: the hat at 1/2 sits on both boundary functions
        {
            parentLevels[0] = parentLevels[1] = 0;
            parentPositions[0] = 0;
            parentPositions[1] = 1;
            return 2;
        }
        parentLevels[0] = level - 1;
        parentPositions[0] = k >> 1;
        return 1;
    }

    /// <summary>
    /// The one-dimensional hierarchical children of (level <paramref name="level"/>, local position <paramref name="k"/>):
    /// hats (l + 1, 2k) and (l + 1, 2k + 1); level 0 of LinearBoundary: the hat at 1/2 (1, 0). Returns the number written (1 or 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int HierarchicalChildren(GridType type, int level, int k, Span<int> childLevels, Span<int> childPositions)
    {
        if (type == GridType.LinearExtendedBoundary)
            throw new ArgumentException("LinearExtendedBoundary grids have no single-parent point hierarchy (see FromPointSets).", nameof(type));
        if (level == 0)
        {
            childLevels[0] = 1;
            childPositions[0] = 0;
            return 1;
        }
        childLevels[0] = childLevels[1] = level + 1;
        childPositions[0] = 2 * k;
        childPositions[1] = 2 * k + 1;
        return 2;
    }
}
