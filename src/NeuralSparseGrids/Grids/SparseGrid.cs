using System.Runtime.CompilerServices;
namespace NeuralSparseGrids.Grids;

/// <summary>
/// The one description of a sparse grid that every evaluator, kernel and layer path reads: a set of subspaces W_l
/// (level vectors l with l_j &gt;= <see cref="Basis1D.MinLevel"/>), each with its first point in the coefficient
/// vector (<see cref="SubspaceOffsets"/>) and the strides of its local positions (<see cref="SubspaceStrides"/>),
/// plus the order in which the CPU evaluator walks the subspaces as a prefix tree (<see cref="VisitOrder"/>) and how
/// many trailing levels each shares with the one visited before (<see cref="SharedTrailingLevels"/>).
/// </summary>
/// <remarks>
/// Regular grids (<see cref="Create"/>: |l|_1 &lt;= n + d - 1, thesis Eq. 2.13) are one way to make such a set;
/// <see cref="FromSubspaces"/> takes any set of level vectors (anisotropic, downward closed, adaptive).
/// Point numbering (the row order of the coefficient matrix, shape (points, outputs)): subspaces in
/// <see cref="SubspaceLevels"/> order (regular grids: by |l|_1, then lexicographically), and inside a subspace the
/// local positions k_j (see <see cref="Basis1D"/>) in row-major order, dimension 0 varying slowest:
/// point = SubspaceOffset(s) + sum_j k_j * Stride(s, j).
/// <para>
/// Spatially adaptive grids (<see cref="FromPointSets"/>): a subspace may be partial, holding only some of its points
/// (<see cref="PointSet"/>), with every hierarchical ancestor of a point present in every direction. A partial
/// subspace's rows are its present points in ascending local index <c>sum_j k_j * Stride(s, j)</c> (the full
/// subspace's numbering), found in O(1) by <see cref="PointRow"/> (bitmap with rank, -1 for an absent point); full
/// subspaces keep the formula above. Within a subspace the hat supports are disjoint, so a sample activates at most
/// one point per subspace (hat levels); an absent point contributes nothing.
/// </para>
/// </remarks>
public sealed partial class SparseGrid
{
    private readonly int[] _levels;   // (subspaces, dim) row-major
    private readonly int[] _strides;  // (subspaces, dim) row-major
    private readonly long[] _offsets; // subspaces + 1
    private int[]? _pointOffsets;     // _offsets as int, built on first use by a kernel
    private readonly SubspacePointSet?[] _pointSets; // per subspace: null (full) or the present points

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SparseGrid(int dim, int level, GridType type, IReadOnlyList<int[]> subspaces, IReadOnlyList<SubspacePointSet?>? pointSets = null)
        : this(dim, level, type, Flat(subspaces, dim), pointSets)
    {
    }

    // The grid of the level vectors `levels` (subspaces, dim) row-major, which it keeps (the caller's own array).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private SparseGrid(int dim, int level, GridType type, int[] levels, IReadOnlyList<SubspacePointSet?>? pointSets)
    {
        Dim = dim;
        Level = level;
        Type = type;
        MinLevel = Basis1D.MinLevel(type);
        SubspaceCount = levels.Length / dim;
        _levels = levels;
        _strides = new int[SubspaceCount * dim];
        _offsets = new long[SubspaceCount + 1];
        GlobalLevelSubspaces = new bool[SubspaceCount];
        _pointSets = new SubspacePointSet?[SubspaceCount];
        PartialSubspaces = new bool[SubspaceCount];
        int maxLevel = MinLevel;
        for (int s = 0; s < SubspaceCount; s++)
        {
            long size = 1;
            for (int j = dim - 1; j >= 0; j--)
            {
                int l = _levels[s * dim + j];
                _strides[s * dim + j] = checked((int)size);
                size = checked(size * Basis1D.Count(type, l));
                maxLevel = Math.Max(maxLevel, l);
                if (Basis1D.IsGlobalLevel(type, l)) GlobalLevelSubspaces[s] = HasGlobalLevels = true;
            }
            if (pointSets?[s] is { IsFull: false } set)
            {
                if (set.Size != size) throw new ArgumentException($"The point set of subspace {s} is for {set.Size} points, the subspace has {size}.", nameof(pointSets));
                _pointSets[s] = set;
                PartialSubspaces[s] = true;
                HasPartialSubspaces = true;
                size = set.Count;
            }
            _offsets[s + 1] = _offsets[s] + size;
        }
        PointCount = _offsets[SubspaceCount];
        MaxLevel1D = maxLevel;
        LevelCount = MaxLevel1D - MinLevel + 1;
        LevelEntries = new int[_levels.Length];
        for (int s = 0; s < SubspaceCount; s++)
            for (int j = 0; j < dim; j++) LevelEntries[s * dim + j] = j * LevelCount + _levels[s * dim + j] - MinLevel;
        SharedLeadingArray = new int[SubspaceCount];
        for (int s = 1; s < SubspaceCount; s++)
        {
            int k = 0;
            while (k < dim && _levels[s * dim + k] == _levels[(s - 1) * dim + k] && _strides[s * dim + k] == _strides[(s - 1) * dim + k]) k++;
            SharedLeadingArray[s] = k;
        }
    }

    // The level vectors (each of length dim) as one row-major array.
    private static int[] Flat(IReadOnlyList<int[]> subspaces, int dim)
    {
        var levels = new int[subspaces.Count * dim];
        for (int s = 0; s < subspaces.Count; s++) subspaces[s].AsSpan(0, dim).CopyTo(levels.AsSpan(s * dim, dim));
        return levels;
    }

    /// <summary>Dimension d.</summary>
    public int Dim { get; }

    /// <summary>
    /// Level n: of a regular grid its level; of any other set the level of the smallest regular grid holding it,
    /// max_s |l_s|_1 - d + 1 (at least 1).
    /// </summary>
    public int Level { get; }

    /// <summary>Grid type (basis).</summary>
    public GridType Type { get; }

    /// <summary>The smallest one-dimensional level of the grid type (<see cref="Basis1D.MinLevel"/>).</summary>
    public int MinLevel { get; }

    /// <summary>Number of subspaces S.</summary>
    public int SubspaceCount { get; }

    /// <summary>Number of grid points (= basis functions) G.</summary>
    public long PointCount { get; }

    /// <summary>The largest one-dimensional level any subspace uses (regular grids: n + (d - 1)(1 - MinLevel)).</summary>
    public int MaxLevel1D { get; }

    /// <summary>Number of one-dimensional levels L = MaxLevel1D - MinLevel + 1 the per-sample active-function tables hold.</summary>
    public int LevelCount { get; }

    /// <summary>True if some subspace has a global level (level 0 of V^0B, level 1 of V^B(1)): several active functions per sample.</summary>
    public bool HasGlobalLevels { get; }

    /// <summary>True if some subspace holds only some of its points (a spatially adaptive grid, <see cref="FromPointSets"/>).</summary>
    public bool HasPartialSubspaces { get; }

    /// <summary>True if subspace <paramref name="subspace"/> holds only some of its points.</summary>
    public bool IsPartial(int subspace) => PartialSubspaces[subspace];

    /// <summary>The present points of subspace <paramref name="subspace"/>, or null when it holds all of them.</summary>
    public SubspacePointSet? PointSet(int subspace) => _pointSets[subspace];

    /// <summary>Points of the full subspace <paramref name="subspace"/> (prod_j Count(l_j)), present or not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int FullSubspaceSize(int subspace) => _pointSets[subspace]?.Size ?? (int)(_offsets[subspace + 1] - _offsets[subspace]);

    /// <summary>Points of the full subspace with level vector <paramref name="levels"/>: prod_j Count(l_j) (as 64-bit integers, unchecked).</summary>
    internal static long FullSubspaceSize(GridType type, ReadOnlySpan<int> levels)
    {
        long size = 1;
        foreach (int l in levels) size *= Basis1D.Count(type, l);
        return size;
    }

    /// <summary>
    /// The coefficient row of the point with local index <paramref name="local"/> (<c>sum_j k_j * Stride(s, j)</c>, in
    /// [0, <see cref="FullSubspaceSize(int)"/>)) of subspace <paramref name="subspace"/>, or -1 when the point is absent. O(1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int PointRow(int subspace, int local)
    {
        var set = _pointSets[subspace];
        if (set is null) return (int)_offsets[subspace] + local;
        int rank = set.Rank(local);
        return rank < 0 ? -1 : (int)_offsets[subspace] + rank;
    }

    /// <summary>Local index (<c>sum_j k_j * Stride(s, j)</c>) of the <paramref name="rank"/>-th point (0-based row within the subspace) of subspace <paramref name="subspace"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int LocalIndex(int subspace, int rank) => _pointSets[subspace] is { } set ? set.Locals[rank] : rank;

    /// <summary>
    /// The kernels' lookup step for a partial subspace: turns local indices (in [0, FullSubspaceSize)) into
    /// coefficient rows in place, -1 where the point is absent; returns how many are absent. Full subspaces never
    /// call this (their row is offset + local).
    /// </summary>
    // Optimised at once (Rank inlined): tiered compilation left it unoptimised for whole training runs.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal int LocalsToRows(int subspace, Span<int> locals)
    {
        var set = _pointSets[subspace] ?? throw new InvalidOperationException($"Subspace {subspace} is full; its rows are offset + local.");
        int offset = (int)_offsets[subspace], absent = 0;
        for (int b = 0; b < locals.Length; b++)
        {
            int rank = set.Rank(locals[b]);
            // Branch-free (rank >> 31 is all ones exactly when the point is absent): presence is data dependent.
            absent += rank >>> 31;
            locals[b] = (offset + rank) | (rank >> 31);
        }
        return absent;
    }

    /// <summary>Per subspace: true when it holds only some of its points.</summary>
    internal bool[] PartialSubspaces { get; }

    /// <summary>Level l_j of subspace <paramref name="subspace"/> in dimension <paramref name="dim"/>.</summary>
    public int SubspaceLevel(int subspace, int dim) => _levels[subspace * Dim + dim];

    /// <summary>Levels of all subspaces, row-major (subspaces, dim). Do not modify.</summary>
    public ReadOnlySpan<int> SubspaceLevels => _levels;

    /// <summary>Strides of the local positions of all subspaces, row-major (subspaces, dim). Do not modify.</summary>
    public ReadOnlySpan<int> SubspaceStrides => _strides;

    /// <summary>First point of each subspace, length subspaces + 1 (the last entry is <see cref="PointCount"/>).</summary>
    public ReadOnlySpan<long> SubspaceOffsets => _offsets;

    /// <summary>
    /// The subspaces in the order the CPU evaluator's prefix-tree walk visits them (<see cref="SubspaceWalk"/>):
    /// lexicographic in the reversed level vector (l_{d-1}, ..., l_0), so consecutive subspaces share trailing levels
    /// and with them the partial point index (strides depend on later dimensions only) and the partial product of the
    /// trailing one-dimensional values. Built on first use. (The fused kernel visits in storage order instead:
    /// <see cref="SharedLeadingArray"/>.)
    /// </summary>
    public ReadOnlySpan<int> VisitOrder => Visiting.Order;

    /// <summary>For position i of <see cref="VisitOrder"/>: how many trailing dimensions share their level with position i - 1 (0 at i = 0).</summary>
    public ReadOnlySpan<int> SharedTrailingLevels => Visiting.Shared;

    // A reference (not a tuple), so that threads racing on the first use each publish a whole plan.
    private sealed record VisitPlan(int[] Order, int[] Shared);

    private VisitPlan? _visiting;
    private VisitPlan Visiting => _visiting ??= VisitingOrder(_levels, SubspaceCount, Dim);

    /// <summary>
    /// For subspace s in storage order (the fused kernel's order): how many leading dimensions 0, 1, ... share both
    /// their level and their stride with subspace s - 1 (0 at s = 0), so that the partial point index and the partial
    /// product over those dimensions carry over (a stride depends on the later dimensions' levels, so equal levels
    /// alone are not enough). Regular grids store subspaces by |l|_1 and then lexicographically with the last
    /// dimension fastest, so neighbours share long leading runs (for hat levels, whose counts are powers of two,
    /// equal leading levels at equal |l|_1 imply equal strides); visiting in storage order also reads the coefficient
    /// blocks front to back.
    /// </summary>
    internal int[] SharedLeadingArray { get; }

    /// <summary>Levels, row-major (subspaces, dim), for the kernels.</summary>
    internal int[] Levels => _levels;

    /// <summary>Strides, row-major (subspaces, dim), for the kernels.</summary>
    internal int[] Strides => _strides;

    /// <summary>
    /// (subspaces, dim): the entry j * L + (l_sj - MinLevel) of dimension j's level in a per-sample table of active
    /// one-dimensional functions (<see cref="ActiveFunctions"/>, the fused kernel's sample-major copy).
    /// </summary>
    internal int[] LevelEntries { get; }

    /// <summary>Per subspace: true when one of its levels is global.</summary>
    internal bool[] GlobalLevelSubspaces { get; }

    /// <summary>
    /// First point of each subspace as int (subspaces + 1) for the kernels, which index coefficient rows with int;
    /// throws <see cref="GridTooLargeException"/> for grids above int.MaxValue points.
    /// </summary>
    internal int[] PointOffsets
    {
        get
        {
            if (_pointOffsets is not null) return _pointOffsets;
            if (PointCount > int.MaxValue) throw new GridTooLargeException(Dim, Level, Type, PointCount, PointCount * 8.0, int.MaxValue);
            return _pointOffsets = Array.ConvertAll(_offsets, o => (int)o);
        }
    }

    /// <summary>
    /// Creates the regular grid after checking its size: refuses with <see cref="GridTooLargeException"/> (stating
    /// points and bytes) when the coefficients for <paramref name="outputs"/> outputs would exceed <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="dim">Dimension d &gt;= 1.</param>
    /// <param name="level">Level n &gt;= 1.</param>
    /// <param name="type">Grid type.</param>
    /// <param name="outputs">Number of coefficient columns the caller will allocate (for the size check).</param>
    /// <param name="maxBytes">Memory budget; default <see cref="GridSize.DefaultMaxBytes"/> (2 GiB).</param>
    public static SparseGrid Create(int dim, int level, GridType type = GridType.Linear, int outputs = 1, long? maxBytes = null)
    {
        GridSize.EnsureFits(dim, level, type, outputs, maxBytes ?? GridSize.DefaultMaxBytes);
        return new SparseGrid(dim, level, type, RegularSubspaces(dim, level, type));
    }

    /// <summary>
    /// Creates the anisotropic regular grid with a maximum level per dimension: the subspaces of the regular grid of
    /// level n = max_j n_j whose level in dimension j is at most that dimension's largest level in the regular grid
    /// of level n_j (<c>n_j + (d - 1)(1 - MinLevel)</c>; linear grids: l_j &lt;= n_j). Equal levels give the regular
    /// grid; the set is downward closed. Size checked like <see cref="FromSubspaces"/>.
    /// </summary>
    /// <param name="levels">Level n_j &gt;= 1 per dimension (length d &gt;= 1).</param>
    /// <param name="type">Grid type.</param>
    /// <param name="outputs">Number of coefficient columns the caller will allocate (for the size check).</param>
    /// <param name="maxBytes">Memory budget; default <see cref="GridSize.DefaultMaxBytes"/> (2 GiB).</param>
    public static SparseGrid CreateAnisotropic(IReadOnlyList<int> levels, GridType type = GridType.Linear, int outputs = 1, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(levels);
        return FromSubspaces(levels.Count, type, AnisotropicSubspaces(levels, type), outputs, maxBytes);
    }

    /// <summary>
    /// The regular grid of <paramref name="level"/> when <paramref name="levels"/> is null, else the anisotropic grid
    /// of <see cref="CreateAnisotropic"/> (whose length must then be <paramref name="dim"/>): how models and
    /// learners read their `level` / `levels` settings.
    /// </summary>
    public static SparseGrid CreateForLevels(int dim, int level, IReadOnlyList<int>? levels, GridType type = GridType.Linear, int outputs = 1, long? maxBytes = null)
    {
        if (levels is null) return Create(dim, level, type, outputs, maxBytes);
        if (levels.Count != dim)
            throw new ArgumentException($"Levels ({string.Join(",", levels)}) give {levels.Count} dimensions, the grid has d = {dim}.", nameof(levels));
        return CreateAnisotropic(levels, type, outputs, maxBytes);
    }

    /// <summary>Level vectors of <see cref="CreateAnisotropic"/>, lazily, in the regular grid's order (by |l|_1, then lexicographically).</summary>
    public static IEnumerable<int[]> AnisotropicSubspaces(IReadOnlyList<int> levels, GridType type)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count < 1) throw new ArgumentException("An anisotropic grid needs a level for at least one dimension.", nameof(levels));
        for (int j = 0; j < levels.Count; j++)
            if (levels[j] < 1 || levels[j] > 30)
                throw new ArgumentException($"Level {levels[j]} of dimension {j} is outside 1..30.", nameof(levels));
        int dim = levels.Count;
        var caps = levels.Select(n => MaxOneDimensionalLevel(dim, n, type)).ToArray();
        foreach (var l in RegularSubspaces(dim, levels.Max(), type))
        {
            bool inside = true;
            for (int j = 0; j < dim && inside; j++) inside = l[j] <= caps[j];
            if (inside) yield return l;
        }
    }

    private static List<int[]> RegularSubspaces(int dim, int level, GridType type)
    {
        var subspaces = new List<int[]>();
        int min = Basis1D.MinLevel(type);
        int maxSum = level + dim - 1;
        for (int sum = min * dim; sum <= maxSum; sum++)
            EnumerateWithSum(new int[dim], 0, sum, min, subspaces);
        return subspaces;
    }

    /// <summary>
    /// Creates the grid of an arbitrary set of subspaces (e.g. anisotropic or adaptively refined), numbered in the
    /// given order. Every level vector has length <paramref name="dim"/> and levels &gt;= <see cref="Basis1D.MinLevel"/>;
    /// no vector may repeat. Evaluation needs nothing more; <see cref="Hierarchization"/> also needs the set to be
    /// downward closed (<see cref="IsDownwardClosed"/>).
    /// </summary>
    /// <param name="dim">Dimension d &gt;= 1.</param>
    /// <param name="type">Grid type.</param>
    /// <param name="levelVectors">The subspaces' level vectors l (each of length d).</param>
    /// <param name="outputs">Number of coefficient columns the caller will allocate (for the size check).</param>
    /// <param name="maxBytes">Memory budget; default <see cref="GridSize.DefaultMaxBytes"/> (2 GiB).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SparseGrid FromSubspaces(int dim, GridType type, IEnumerable<IReadOnlyList<int>> levelVectors, int outputs = 1, long? maxBytes = null)
    {
        var (subspaces, points, level) = CheckedLevelVectors(dim, type, levelVectors);
        EnsureBudget(dim, level, type, subspaces.Count, points, outputs, maxBytes);
        return new SparseGrid(dim, level, type, subspaces);
    }

    // The level vectors as arrays after checking length, range and uniqueness; their full point count and the level n.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (List<int[]> Subspaces, double Points, int Level) CheckedLevelVectors(int dim, GridType type, IEnumerable<IReadOnlyList<int>> levelVectors)
    {
        ArgumentNullException.ThrowIfNull(levelVectors);
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The grid dimension must be at least 1.");
        var subspaces = new List<int[]>();
        var seen = new HashSet<int[]>(GridRemap.LevelVectorComparer);
        double points = 0;
        int maxSum = 0;
        foreach (var vector in levelVectors)
        {
            var l = vector.ToArray();
            CheckLevelVector(subspaces.Count, l, dim, type);
            if (!seen.Add(l))
                throw new ArgumentException($"Level vector ({string.Join(", ", l)}) appears twice.", nameof(levelVectors));
            var (sum, size) = SumAndSize(type, l);
            points += size;
            maxSum = Math.Max(maxSum, sum);
            subspaces.Add(l);
        }
        if (subspaces.Count == 0) throw new ArgumentException("A grid needs at least one subspace.", nameof(levelVectors));
        return (subspaces, points, Math.Max(1, maxSum - dim + 1));
    }

    // The factories' checks of one level vector (number `index` of the ones given): d entries, each a level of `type`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckLevelVector(int index, ReadOnlySpan<int> l, int dim, GridType type)
    {
        if (l.Length != dim)
            throw new ArgumentException($"Level vector {index} has {l.Length} entries, expected d = {dim}.", "levelVectors");
        int min = Basis1D.MinLevel(type);
        for (int j = 0; j < dim; j++)
            if (l[j] < min || l[j] > 31)
                throw new ArgumentException($"Level vector {index} ({string.Join(", ", l.ToArray())}) has level {l[j]} in dimension {j}; {type} grids use levels {min} to 31.", "levelVectors");
    }

    // |l|_1 and the full subspace's point count, the latter as a double so that the memory guard's sums cannot overflow.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Sum, double Size) SumAndSize(GridType type, ReadOnlySpan<int> l)
    {
        int sum = 0;
        double size = 1;
        foreach (int lj in l)
        {
            sum += lj;
            size *= Basis1D.Count(type, lj);
        }
        return (sum, size);
    }

    // The memory guard for the level vectors `levels` (subspaces, d) row-major, all full (Grown, Shrunk: vectors known
    // valid, so only their sums and sizes are needed); returns the grid's level n.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int EnsureBudget(int d, GridType type, int[] levels, int outputs, long? maxBytes)
    {
        int count = levels.Length / d, maxSum = 0;
        double points = 0;
        for (int s = 0; s < count; s++)
        {
            var (sum, size) = SumAndSize(type, levels.AsSpan(s * d, d));
            maxSum = Math.Max(maxSum, sum);
            points += size;
        }
        int level = Math.Max(1, maxSum - d + 1);
        EnsureBudget(d, level, type, count, points, outputs, maxBytes);
        return level;
    }

    // The memory guard of every factory: coefficients for `outputs` columns plus the subspace tables.
    private static void EnsureBudget(int dim, int level, GridType type, int subspaces, double points, int outputs, long? maxBytes)
    {
        long budget = maxBytes ?? GridSize.DefaultMaxBytes;
        double bytes = points * Math.Max(1, outputs) * 8.0 + subspaces * (2.0 * dim * sizeof(int) + sizeof(long));
        if (bytes > budget || points > int.MaxValue) throw new GridTooLargeException(dim, level, type, points, bytes, budget);
    }

    /// <summary>
    /// True if for every subspace l and dimension j with l_j &gt; MinLevel the subspace l - e_j is in the set too
    /// (regular and anisotropic grids always are); hierarchization needs this.
    /// </summary>
    public bool IsDownwardClosed => MissingBackwardNeighbour() is null;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming a subspace and its missing backward neighbour l - e_j unless
    /// the set is downward closed (dimension-adaptive grids must be).
    /// </summary>
    public void EnsureDownwardClosed()
    {
        if (MissingBackwardNeighbour() is not (int s, int j)) return;
        var l = _levels.AsSpan(s * Dim, Dim).ToArray();
        var back = (int[])l.Clone();
        back[j]--;
        throw new ArgumentException(
            $"The subspace set is not downward closed: subspace ({string.Join(", ", l)}) is present but its backward neighbour " +
            $"({string.Join(", ", back)}) in dimension {j} is not (every l - e_j with l_j > {MinLevel} must be in the set).");
    }

    /// <summary>
    /// Creates a dimension-adaptive grid: <see cref="FromSubspaces"/> for a set that must be downward closed
    /// (refused with <see cref="EnsureDownwardClosed"/>'s message otherwise).
    /// </summary>
    public static SparseGrid FromDownwardClosedSubspaces(int dim, GridType type, IEnumerable<IReadOnlyList<int>> levelVectors, int outputs = 1, long? maxBytes = null)
    {
        var grid = FromSubspaces(dim, type, levelVectors, outputs, maxBytes);
        grid.EnsureDownwardClosed();
        return grid;
    }

    /// <summary>
    /// <see cref="FromDownwardClosedSubspaces"/> of <paramref name="grid"/>'s level vectors (every subspace full, in
    /// its order) followed by <paramref name="added"/>: the old vectors are known valid and distinct, so only the
    /// added ones are checked (the same checks and messages) and no level vector is copied into a list or a set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static SparseGrid Grown(SparseGrid grid, IEnumerable<IReadOnlyList<int>> added, int outputs, long? maxBytes)
    {
        int d = grid.Dim, old = grid.SubspaceCount;
        var levels = new int[(old + 4) * d];
        grid._levels.CopyTo(levels, 0);
        int count = old;
        foreach (var entry in added)
        {
            // Read as an array (the callers pass arrays): no interface call per level.
            var vector = entry as int[] ?? [.. entry];
            CheckLevelVector(count, vector, d, grid.Type);
            if ((count + 1) * d > levels.Length) Array.Resize(ref levels, 2 * levels.Length);
            vector.CopyTo(levels, count * d);
            if (FindGrown(grid, levels, count, levels.AsSpan(count * d, d)) >= 0)
                throw new ArgumentException($"Level vector ({string.Join(", ", vector)}) appears twice.", "levelVectors");
            count++;
        }
        if (levels.Length != count * d) Array.Resize(ref levels, count * d);
        int level = EnsureBudget(d, grid.Type, levels, outputs, maxBytes);
        // The backward neighbours: the old subspaces' are the grid's; the added ones' are looked up the same way.
        var back = new int[count * d];
        grid.BackwardNeighbourNumbers.CopyTo(back, 0);
        Span<int> probe = stackalloc int[d];
        for (int s = old; s < count; s++)
            for (int j = 0; j < d; j++)
            {
                back[s * d + j] = -1;
                if (levels[s * d + j] == grid.MinLevel) continue;
                levels.AsSpan(s * d, d).CopyTo(probe);
                probe[j]--;
                back[s * d + j] = FindGrown(grid, levels, count, probe);
            }
        var grown = new SparseGrid(d, level, grid.Type, levels, null) { _backwardNeighbours = back };
        grown.EnsureDownwardClosed();
        return grown;
    }

    /// <summary>
    /// <see cref="FromDownwardClosedSubspaces"/> of <paramref name="grid"/>'s level vectors (every subspace full, in
    /// its order) without those where <paramref name="drop"/> is true: the kept vectors are known valid and distinct,
    /// so nothing is checked but the memory guard and downward closure (refused with the same message), through the same
    /// constructor as <see cref="Grown"/>. (Through the general factory, a run's first coarsening step also compiled its
    /// checks and list constructor: 4.5 ms of compilation on the swiss roll, now 2.6-3.4 ms, for a 0.03 ms call.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static SparseGrid Shrunk(SparseGrid grid, bool[] drop, int outputs, long? maxBytes)
    {
        int d = grid.Dim, count = 0;
        for (int s = 0; s < grid.SubspaceCount; s++) count += drop[s] ? 0 : 1;
        if (count == 0) throw new ArgumentException("A grid needs at least one subspace.", nameof(drop));
        var levels = new int[count * d];
        for (int s = 0, k = 0; s < grid.SubspaceCount; s++)
            if (!drop[s]) grid._levels.AsSpan(s * d, d).CopyTo(levels.AsSpan(d * k++, d));
        int level = EnsureBudget(d, grid.Type, levels, outputs, maxBytes);
        var shrunk = new SparseGrid(d, level, grid.Type, levels, null);
        shrunk.EnsureDownwardClosed();
        return shrunk;
    }

    /// <summary>
    /// Number of <paramref name="levels"/> among <paramref name="grid"/>'s subspaces (its O(1) lookup) followed by the
    /// added ones, subspaces [grid's count, <paramref name="count"/>) of <paramref name="grownLevels"/> ((subspaces, d)
    /// row-major; a linear scan: growing adds few), or -1. Shared by <see cref="Grown"/> and <see cref="PointRefinement"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int FindGrown(SparseGrid grid, int[] grownLevels, int count, ReadOnlySpan<int> levels)
    {
        int s = grid.FindSubspace(levels);
        if (s >= 0) return s;
        for (s = grid.SubspaceCount; s < count; s++)
            if (levels.SequenceEqual(grownLevels.AsSpan(s * grid.Dim, grid.Dim))) return s;
        return -1;
    }

    // (subspace, dimension) of the first l whose l - e_j is absent, or null for a downward-closed set.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Subspace, int Dimension)? MissingBackwardNeighbour()
    {
        var back = BackwardNeighbourNumbers;
        for (int s = 0; s < SubspaceCount; s++)
            for (int j = 0; j < Dim; j++)
                if (_levels[s * Dim + j] != MinLevel && back[s * Dim + j] < 0) return (s, j);
        return null;
    }

    private int[]? _backwardNeighbours;

    /// <summary>
    /// Per subspace and dimension, row-major (subspaces, d): the number of the backward neighbour l - e_j, or -1 where
    /// l_j is the coarsest level or l - e_j is absent. Built on first use from one dictionary of the level vectors, so
    /// the checks and the refinement indicators look parents up by number instead of by level-vector key.
    /// </summary>
    internal int[] BackwardNeighbourNumbers => _backwardNeighbours ??= BackwardNeighbourTable();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] BackwardNeighbourTable()
    {
        var table = new int[SubspaceCount * Dim];
        Span<int> probe = stackalloc int[Dim];
        for (int s = 0; s < SubspaceCount; s++)
            for (int j = 0; j < Dim; j++)
            {
                table[s * Dim + j] = -1;
                if (_levels[s * Dim + j] == MinLevel) continue;
                _levels.AsSpan(s * Dim, Dim).CopyTo(probe);
                probe[j]--;
                table[s * Dim + j] = FindSubspace(probe);
            }
        return table;
    }

    private int[]? _forwardNeighbours;

    /// <summary>
    /// Per subspace and dimension, row-major (subspaces, d): the number of the forward neighbour l + e_j, or -1 where
    /// it is absent. The inverse of <see cref="BackwardNeighbourNumbers"/> (l + e_j has backward neighbour l in
    /// dimension j), so it needs no lookup; built on first use.
    /// </summary>
    internal int[] ForwardNeighbourNumbers => _forwardNeighbours ??= ForwardNeighbourTable();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] ForwardNeighbourTable()
    {
        var back = BackwardNeighbourNumbers;
        var table = new int[back.Length];
        Array.Fill(table, -1);
        for (int e = 0; e < back.Length; e++)
            if (back[e] >= 0) table[back[e] * Dim + e % Dim] = e / Dim;
        return table;
    }

    /// <summary>Subspace holding point <paramref name="point"/> (binary search over the offsets).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        long local = LocalIndex(s, (int)(point - _offsets[s]));
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

    // Sort by the reversed level vector; shared[i] = number of trailing dimensions whose level equals that of the
    // subspace visited before.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static VisitPlan VisitingOrder(int[] levels, int subspaces, int dim)
    {
        var order = Enumerable.Range(0, subspaces).ToArray();
        Array.Sort(order, (a, b) =>
        {
            for (int j = dim - 1; j >= 0; j--)
            {
                int c = levels[a * dim + j].CompareTo(levels[b * dim + j]);
                if (c != 0) return c;
            }
            return 0;
        });
        var shared = new int[subspaces];
        for (int i = 1; i < subspaces; i++)
        {
            int k = 0;
            while (k < dim && levels[order[i] * dim + dim - 1 - k] == levels[order[i - 1] * dim + dim - 1 - k]) k++;
            shared[i] = k;
        }
        return new VisitPlan(order, shared);
    }

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
