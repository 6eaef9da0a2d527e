namespace NeuralSparseGrids.Grids;

/// <summary>
/// A regular sparse grid of dimension d and level n: the subspaces W_l with |l|_1 &lt;= n + d - 1 (thesis Eq. 2.13),
/// l_j &gt;= <see cref="Basis1D.MinLevel"/>, stored subspace by subspace.
/// </summary>
/// <remarks>
/// Point numbering (the row order of the coefficient matrix, shape (points, outputs)): subspaces in
/// <see cref="SubspaceLevels"/> order (by |l|_1, then lexicographically), and inside a subspace the local positions
/// k_j (see <see cref="Basis1D"/>) in row-major order, dimension 0 varying slowest:
/// point = SubspaceOffset(s) + sum_j k_j * Stride(s, j).
/// </remarks>
public sealed class SparseGrid
{
    private readonly int[] _levels;   // (subspaces, dim) row-major
    private readonly int[] _strides;  // (subspaces, dim) row-major
    private readonly long[] _offsets; // subspaces + 1

    private SparseGrid(int dim, int level, GridType type, List<int[]> subspaces)
    {
        Dim = dim;
        Level = level;
        Type = type;
        SubspaceCount = subspaces.Count;
        _levels = new int[SubspaceCount * dim];
        _strides = new int[SubspaceCount * dim];
        _offsets = new long[SubspaceCount + 1];
        for (int s = 0; s < SubspaceCount; s++)
        {
            long size = 1;
            for (int j = dim - 1; j >= 0; j--)
            {
                int l = subspaces[s][j];
                _levels[s * dim + j] = l;
                _strides[s * dim + j] = checked((int)size);
                size *= Basis1D.Count(type, l);
            }
            _offsets[s + 1] = _offsets[s] + size;
        }
        PointCount = _offsets[SubspaceCount];
        MaxLevel1D = MaxOneDimensionalLevel(dim, level, type);
    }

    /// <summary>Dimension d.</summary>
    public int Dim { get; }

    /// <summary>Level n.</summary>
    public int Level { get; }

    /// <summary>Grid type (basis).</summary>
    public GridType Type { get; }

    /// <summary>Number of subspaces S.</summary>
    public int SubspaceCount { get; }

    /// <summary>Number of grid points (= basis functions) G.</summary>
    public long PointCount { get; }

    /// <summary>The largest one-dimensional level any subspace uses: n + (d - 1)(1 - MinLevel).</summary>
    public int MaxLevel1D { get; }

    /// <summary>Level l_j of subspace <paramref name="subspace"/> in dimension <paramref name="dim"/>.</summary>
    public int SubspaceLevel(int subspace, int dim) => _levels[subspace * Dim + dim];

    /// <summary>Levels of all subspaces, row-major (subspaces, dim). Do not modify.</summary>
    public ReadOnlySpan<int> SubspaceLevels => _levels;

    /// <summary>Strides of the local positions of all subspaces, row-major (subspaces, dim). Do not modify.</summary>
    public ReadOnlySpan<int> SubspaceStrides => _strides;

    /// <summary>First point of each subspace, length subspaces + 1 (the last entry is <see cref="PointCount"/>).</summary>
    public ReadOnlySpan<long> SubspaceOffsets => _offsets;

    /// <summary>
    /// Creates the grid after checking its size: refuses with <see cref="GridTooLargeException"/> (stating points and
    /// bytes) when the coefficients for <paramref name="outputs"/> outputs would exceed <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="dim">Dimension d &gt;= 1.</param>
    /// <param name="level">Level n &gt;= 1.</param>
    /// <param name="type">Grid type.</param>
    /// <param name="outputs">Number of coefficient columns the caller will allocate (for the size check).</param>
    /// <param name="maxBytes">Memory budget; default <see cref="GridSize.DefaultMaxBytes"/> (2 GiB).</param>
    public static SparseGrid Create(int dim, int level, GridType type = GridType.Linear, int outputs = 1, long? maxBytes = null)
    {
        GridSize.EnsureFits(dim, level, type, outputs, maxBytes ?? GridSize.DefaultMaxBytes);
        var subspaces = new List<int[]>();
        int min = Basis1D.MinLevel(type);
        int maxSum = level + dim - 1;
        for (int sum = min * dim; sum <= maxSum; sum++)
            EnumerateWithSum(new int[dim], 0, sum, min, subspaces);
        return new SparseGrid(dim, level, type, subspaces);
    }

    /// <summary>Index of the subspace with the given levels, or -1.</summary>
    public int FindSubspace(ReadOnlySpan<int> levels)
    {
        for (int s = 0; s < SubspaceCount; s++)
            if (levels.SequenceEqual(_levels.AsSpan(s * Dim, Dim))) return s;
        return -1;
    }

    /// <summary>Subspace holding point <paramref name="point"/> (binary search over the offsets).</summary>
    public int SubspaceOf(long point)
    {
        if (point < 0 || point >= PointCount) throw new ArgumentOutOfRangeException(nameof(point));
        int lo = 0, hi = SubspaceCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (_offsets[mid] <= point) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>Writes the levels l and SG++ indices i of point <paramref name="point"/> (each of length d).</summary>
    public void LevelIndex(long point, Span<int> levels, Span<int> indices)
    {
        int s = SubspaceOf(point);
        long local = point - _offsets[s];
        for (int j = 0; j < Dim; j++)
        {
            int l = _levels[s * Dim + j];
            int stride = _strides[s * Dim + j];
            int k = (int)(local / stride);
            local -= (long)k * stride;
            levels[j] = l;
            indices[j] = Basis1D.Index(Type, l, k);
        }
    }

    /// <summary>Coordinates of point <paramref name="point"/> in [0, 1]^d.</summary>
    public void Coordinates(long point, Span<double> x)
    {
        Span<int> l = stackalloc int[Dim];
        Span<int> i = stackalloc int[Dim];
        LevelIndex(point, l, i);
        for (int j = 0; j < Dim; j++) x[j] = Basis1D.Coordinate(Type, l[j], Basis1D.LocalPosition(Type, l[j], i[j]));
    }

    /// <summary>All point coordinates, row-major (points, dim).</summary>
    public double[] AllCoordinates()
    {
        var result = new double[PointCount * Dim];
        for (long p = 0; p < PointCount; p++) Coordinates(p, result.AsSpan((int)(p * Dim), Dim));
        return result;
    }

    /// <summary>Value of basis function <paramref name="point"/> at x (product of one-dimensional functions, Eq. 2.8).</summary>
    public double BasisValue(long point, ReadOnlySpan<double> x)
    {
        Span<int> l = stackalloc int[Dim];
        Span<int> i = stackalloc int[Dim];
        LevelIndex(point, l, i);
        double v = 1;
        for (int j = 0; j < Dim && v != 0; j++) v *= Basis1D.Value(Type, l[j], Basis1D.LocalPosition(Type, l[j], i[j]), x[j]);
        return v;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} sparse grid, d = {Dim}, n = {Level}: {PointCount} points in {SubspaceCount} subspaces";

    internal static int MaxOneDimensionalLevel(int dim, int level, GridType type) =>
        level + (dim - 1) * (1 - Basis1D.MinLevel(type));

    private static void EnumerateWithSum(int[] current, int j, int remaining, int min, List<int[]> into)
    {
        int dim = current.Length;
        if (j == dim - 1)
        {
            if (remaining < min) return;
            current[j] = remaining;
            into.Add((int[])current.Clone());
            return;
        }
        int slack = remaining - min * (dim - j - 1);
        for (int l = min; l <= slack; l++)
        {
            current[j] = l;
            EnumerateWithSum(current, j + 1, remaining - l, min, into);
        }
    }
}
