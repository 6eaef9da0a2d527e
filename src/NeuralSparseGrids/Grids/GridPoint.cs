using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// One grid point named independently of any grid's numbering: its subspace's level vector l and its local positions
/// k_j (<see cref="Basis1D"/>; SG++ index i_j = 2 k_j + 1 on hat levels). Equal when levels and positions are.
/// </summary>
public sealed class GridPoint : IEquatable<GridPoint>
{
    /// <summary>Creates the point (levels l, local positions k), both of length d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public GridPoint(int[] levels, int[] positions)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(positions);
        if (levels.Length != positions.Length) throw new ArgumentException($"{levels.Length} levels but {positions.Length} positions.", nameof(positions));
        Levels = levels;
        Positions = positions;
        var hash = new HashCode();
        foreach (int l in levels) hash.Add(l);
        foreach (int k in positions) hash.Add(k);
        _hash = hash.ToHashCode();
    }

    // Equality and hashing compare the arrays: a refinement step builds and looks up thousands of points, and the
    // string keys cost an allocation and two joins each.
    private readonly int _hash;

    /// <summary>Level vector l (length d).</summary>
    public int[] Levels { get; }

    /// <summary>Local positions k_j (length d).</summary>
    public int[] Positions { get; }

    /// <summary>"l0,l1,...", the subspace's key (<see cref="GridRemap.Key"/>).</summary>
    public string SubspaceKey => GridRemap.Key(Levels);

    /// <summary>"l0,l1,...|k0,k1,...".</summary>
    public string Key => SubspaceKey + "|" + string.Join(',', Positions);

    /// <summary>The point of row <paramref name="row"/> of <paramref name="grid"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static GridPoint Of(SparseGrid grid, int row)
    {
        ArgumentNullException.ThrowIfNull(grid);
        int s = grid.SubspaceOf(row), d = grid.Dim;
        var levels = grid.SubspaceLevels.Slice(s * d, d).ToArray();
        var positions = new int[d];
        grid.LocalPositions(s, grid.LocalIndex(s, (int)(row - grid.SubspaceOffsets[s])), positions);
        return new GridPoint(levels, positions);
    }

    /// <summary>Local index sum_j k_j * stride_j in the full subspace of <see cref="Levels"/> (row-major, dimension 0 slowest).</summary>
    public int LocalIndex(GridType type)
    {
        long local = 0, stride = 1;
        for (int j = Levels.Length - 1; j >= 0; j--)
        {
            local += Positions[j] * stride;
            stride *= Basis1D.Count(type, Levels[j]);
        }
        return checked((int)local);
    }

    /// <summary>The point with level <paramref name="level"/> and position <paramref name="position"/> in dimension <paramref name="dim"/>, the rest unchanged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public GridPoint With(int dim, int level, int position)
    {
        var l = (int[])Levels.Clone();
        var k = (int[])Positions.Clone();
        l[dim] = level;
        k[dim] = position;
        return new GridPoint(l, k);
    }

    /// <summary>The hierarchical parents in every dimension (<see cref="SparseGrid.HierarchicalParents"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IEnumerable<GridPoint> Parents(GridType type)
    {
        Span<int> pl = stackalloc int[2], pk = stackalloc int[2];
        var result = new List<GridPoint>();
        for (int j = 0; j < Levels.Length; j++)
        {
            int n = SparseGrid.HierarchicalParents(type, Levels[j], Positions[j], pl, pk);
            for (int q = 0; q < n; q++) result.Add(With(j, pl[q], pk[q]));
        }
        return result;
    }

    /// <summary>The hierarchical children in every dimension (2d for hat levels) whose level stays at most <paramref name="maxLevel1D"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IEnumerable<GridPoint> Children(GridType type, int maxLevel1D = 30)
    {
        Span<int> cl = stackalloc int[2], ck = stackalloc int[2];
        var result = new List<GridPoint>();
        for (int j = 0; j < Levels.Length; j++)
        {
            if (Levels[j] >= maxLevel1D) continue;
            int n = SparseGrid.HierarchicalChildren(type, Levels[j], Positions[j], cl, ck);
            for (int q = 0; q < n; q++) result.Add(With(j, cl[q], ck[q]));
        }
        return result;
    }

    /// <summary>Levels then positions, one array of length 2d (how refinement steps record points).</summary>
    public int[] ToArray() => [.. Levels, .. Positions];

    /// <summary>Inverse of <see cref="ToArray"/>.</summary>
    public static GridPoint FromArray(int[] levelsThenPositions)
    {
        ArgumentNullException.ThrowIfNull(levelsThenPositions);
        int d = levelsThenPositions.Length / 2;
        return new GridPoint(levelsThenPositions[..d], levelsThenPositions[d..]);
    }

    /// <inheritdoc />
    public bool Equals(GridPoint? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && Levels.AsSpan().SequenceEqual(other.Levels) && Positions.AsSpan().SequenceEqual(other.Positions)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GridPoint);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => $"l = ({string.Join(", ", Levels)}), k = ({string.Join(", ", Positions)})";
}
