namespace NeuralSparseGrids.Grids;

/// <summary>What the regularisation term C of a density fit penalises.</summary>
public enum DensityRegularizer
{
    /// <summary>C = I: lambda * ||alpha||^2 (SG++'s default for density estimation).</summary>
    Identity,

    /// <summary>C = Laplace matrix, C[p, q] = integral of grad phi_p . grad phi_q: lambda * ||grad f||^2.</summary>
    Laplace,
}

/// <summary>
/// The L2 Gram ("mass") matrix R[p, q] = integral over [0, 1]^d of phi_p * phi_q of a sparse grid's basis, and the
/// Laplace matrix C[p, q] = integral of grad phi_p . grad phi_q, applied matrix-free: (R + lambda C) V for a block
/// V of shape (points, columns).
/// </summary>
/// <remarks>
/// The basis functions are tensor products, so each entry is a product of one-dimensional integrals
/// (<see cref="BasisIntegrals1D"/>): R[p, q] = prod_j m_j and C[p, q] = sum_j s_j prod_(i != j) m_i. The 1-D integrals
/// of every pair of functions with overlapping supports are tabulated once (O(L 2^L) entries for the finest 1-D level
/// L); a product then enumerates, per row p and subspace, only the points whose supports overlap p's in every
/// dimension (one contiguous range of local positions per dimension), so R and C are never stored. Rows run in
/// parallel. Cost per product: O(points * subspaces * d + nnz(R)).
/// </remarks>
public sealed class GramOperator
{
    private readonly SparseGrid _grid;
    private readonly int[] _function;       // (points, dim): id of the point's 1-D function in dimension j
    private readonly int[] _functionLevel;  // per 1-D function id: level
    private readonly int[] _levelStart;     // per level - min: first 1-D function id
    private readonly int _min, _levels;
    // Per 1-D function u and level index t: the first overlapping local position, and the 1-D mass / stiffness values
    // of the overlapping functions of that level, consecutively.
    private readonly int[] _rangeFirst, _rangeCount, _rangeOffset;
    private readonly double[] _mass1D, _stiffness1D;

    /// <summary>Prepares the 1-D tables of <paramref name="grid"/>.</summary>
    public GramOperator(SparseGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.PointCount > int.MaxValue) throw new GridTooLargeException(grid.Dim, grid.Level, grid.Type, grid.PointCount, grid.PointCount * 8.0, int.MaxValue);
        _grid = grid;
        var type = grid.Type;
        _min = Basis1D.MinLevel(type);
        _levels = grid.MaxLevel1D - _min + 1;
        _levelStart = new int[_levels + 1];
        for (int t = 0; t < _levels; t++) _levelStart[t + 1] = _levelStart[t] + Basis1D.Count(type, _min + t);
        int functions = _levelStart[_levels];
        _functionLevel = new int[functions];
        for (int t = 0; t < _levels; t++)
            for (int u = _levelStart[t]; u < _levelStart[t + 1]; u++) _functionLevel[u] = _min + t;

        _rangeFirst = new int[functions * _levels];
        _rangeCount = new int[functions * _levels];
        _rangeOffset = new int[functions * _levels + 1];
        var mass = new List<double>();
        var stiffness = new List<double>();
        for (int u = 0; u < functions; u++)
        {
            int l = _functionLevel[u], k = u - _levelStart[l - _min];
            var (a, b) = BasisIntegrals1D.Support(type, l, k);
            for (int t = 0; t < _levels; t++)
            {
                int l2 = _min + t, count = Basis1D.Count(type, l2);
                var (first, last) = OverlappingRange(type, l2, count, a, b);
                int slot = u * _levels + t;
                _rangeFirst[slot] = first;
                _rangeCount[slot] = last - first + 1;
                _rangeOffset[slot] = mass.Count;
                for (int k2 = first; k2 <= last; k2++)
                {
                    mass.Add(BasisIntegrals1D.Mass(type, l, k, l2, k2));
                    stiffness.Add(BasisIntegrals1D.Stiffness(type, l, k, l2, k2));
                }
            }
        }
        _rangeOffset[functions * _levels] = mass.Count;
        _mass1D = mass.ToArray();
        _stiffness1D = stiffness.ToArray();

        int d = grid.Dim, points = (int)grid.PointCount;
        _function = new int[points * d];
        Span<int> levels = stackalloc int[d], indices = stackalloc int[d];
        for (int p = 0; p < points; p++)
        {
            grid.LevelIndex(p, levels, indices);
            for (int j = 0; j < d; j++)
                _function[p * d + j] = _levelStart[levels[j] - _min] + Basis1D.LocalPosition(type, levels[j], indices[j]);
        }
    }

    /// <summary>The grid.</summary>
    public SparseGrid Grid => _grid;

    /// <summary>Integral over [0, 1]^d of every basis function, length points (product of 1-D integrals).</summary>
    public double[] BasisIntegrals()
    {
        int d = _grid.Dim, points = (int)_grid.PointCount;
        var oneD = new double[_functionLevel.Length];
        for (int u = 0; u < oneD.Length; u++)
            oneD[u] = BasisIntegrals1D.Integral(_grid.Type, _functionLevel[u], u - _levelStart[_functionLevel[u] - _min]);
        var result = new double[points];
        for (int p = 0; p < points; p++)
        {
            double v = 1;
            for (int j = 0; j < d; j++) v *= oneD[_function[p * d + j]];
            result[p] = v;
        }
        return result;
    }

    /// <summary>The mass matrix entry R[p, q] (for tests and small dense uses).</summary>
    public double Mass(int p, int q) => Entry(p, q).Mass;

    /// <summary>The Laplace matrix entry C[p, q].</summary>
    public double Laplace(int p, int q) => Entry(p, q).Laplace;

    /// <summary>The diagonal of R, length points.</summary>
    public double[] MassDiagonal() => Enumerable.Range(0, (int)_grid.PointCount).Select(p => Mass(p, p)).ToArray();

    /// <summary>
    /// result = (R + lambda C) v for v and result of shape (points, columns) row-major; C per
    /// <paramref name="regularizer"/> (lambda = 0: the mass matrix alone).
    /// </summary>
    public void Apply(double[] v, double[] result, int columns, double lambda = 0, DensityRegularizer regularizer = DensityRegularizer.Identity) =>
        Apply(v, result, columns, Enumerable.Repeat(lambda, columns).ToArray(), regularizer);

    /// <summary>
    /// result[:, c] = (R + lambdas[c] C) v[:, c] for v and result of shape (points, columns) row-major: one lambda per
    /// column. Uses the assembled rows after <see cref="Assemble"/>, else computes the entries on the fly.
    /// </summary>
    public void Apply(double[] v, double[] result, int columns, double[] lambdas, DensityRegularizer regularizer)
    {
        int points = (int)_grid.PointCount;
        if (columns < 1 || v.Length != points * columns || result.Length != v.Length || lambdas.Length != columns)
            throw new ArgumentException($"v and result must be (points = {points}, columns = {columns}) row-major with one lambda per column; got lengths {v.Length}, {result.Length} and {lambdas.Length}.");
        bool laplace = regularizer == DensityRegularizer.Laplace;
        Parallel.For(0, points, () => new RowWork(_grid.Dim, columns), (p, _, work) =>
        {
            Array.Clear(work.Mass);
            Array.Clear(work.Laplace);
            if (_rowStart != null)
            {
                for (long e = _rowStart[p]; e < _rowStart[p + 1]; e++)
                {
                    int q = _columns![e];
                    double m = _massValues![e], l = laplace ? _laplaceValues![e] : 0;
                    for (int c = 0; c < columns; c++)
                    {
                        double x = v[q * columns + c];
                        work.Mass[c] += m * x;
                        work.Laplace[c] += l * x;
                    }
                }
            }
            else ApplyRow(p, v, columns, laplace, work);
            for (int c = 0; c < columns; c++)
                result[p * columns + c] = work.Mass[c] + lambdas[c] * (laplace ? work.Laplace[c] : v[p * columns + c]);
            return work;
        }, _ => { });
    }

    /// <summary>Number of non-zero entries of R once <see cref="Assemble"/> ran (else -1).</summary>
    public long NonZeros => _rowStart?[^1] ?? -1;

    /// <summary>
    /// Stores the non-zero entries of R and C (compressed rows) so that later products only multiply, when they need at
    /// most <paramref name="maxBytes"/> (20 bytes per entry); returns whether it did. Worth it when many products follow
    /// (a CG solve per lambda); beyond the budget the products stay matrix-free.
    /// </summary>
    public bool Assemble(long maxBytes = 512L << 20)
    {
        if (_rowStart != null) return true;
        int points = (int)_grid.PointCount;
        var counts = new long[points + 1];
        var rows = new (List<int> Q, List<double> M, List<double> L)[points];
        long total = 0;
        bool tooLarge = false;
        Parallel.For(0, points, () => new RowWork(_grid.Dim, 1), (p, state, work) =>
        {
            work.Entries = ([], [], []);
            ApplyRow(p, [], 0, true, work);
            rows[p] = work.Entries.Value;
            if (Interlocked.Add(ref total, rows[p].Q.Count) * 20 > maxBytes) { tooLarge = true; state.Stop(); }
            work.Entries = null;
            return work;
        }, _ => { });
        if (tooLarge) return false;
        var start = new long[points + 1];
        for (int p = 0; p < points; p++) start[p + 1] = start[p] + rows[p].Q.Count;
        var columns = new int[start[points]];
        var mass = new double[columns.Length];
        var laplace = new double[columns.Length];
        for (int p = 0; p < points; p++)
        {
            rows[p].Q.CopyTo(columns, (int)start[p]);
            rows[p].M.CopyTo(mass, (int)start[p]);
            rows[p].L.CopyTo(laplace, (int)start[p]);
        }
        (_columns, _massValues, _laplaceValues, _rowStart) = (columns, mass, laplace, start);
        return true;
    }

    /// <summary>
    /// R + lambda C as a dense symmetric matrix (points, points) row-major, for direct solves on small grids (C per
    /// <paramref name="regularizer"/>; lambda = 0: R alone). Uses the assembled rows after <see cref="Assemble"/>, else
    /// enumerates the entries row by row. Needs 8 points^2 bytes.
    /// </summary>
    public double[] ToDense(double lambda = 0, DensityRegularizer regularizer = DensityRegularizer.Identity)
    {
        int points = (int)_grid.PointCount;
        if ((long)points * points > Array.MaxLength)
            throw new InvalidOperationException($"A dense {points} x {points} matrix exceeds the largest .NET array; use the matrix-free Apply for this grid.");
        var dense = new double[(long)points * points];
        bool laplace = regularizer == DensityRegularizer.Laplace;
        Parallel.For(0, points, () => new RowWork(_grid.Dim, 1), (p, _, work) =>
        {
            long row = (long)p * points;
            if (_rowStart != null)
                for (long e = _rowStart[p]; e < _rowStart[p + 1]; e++)
                    dense[row + _columns![e]] = _massValues![e] + (laplace ? lambda * _laplaceValues![e] : 0);
            else
            {
                work.Entries = ([], [], []);
                ApplyRow(p, [], 0, true, work);
                var (q, m, l) = work.Entries.Value;
                for (int e = 0; e < q.Count; e++) dense[row + q[e]] = m[e] + (laplace ? lambda * l[e] : 0);
                work.Entries = null;
            }
            if (!laplace) dense[row + p] += lambda;
            return work;
        }, _ => { });
        return dense;
    }

    private long[]? _rowStart;
    private int[]? _columns;
    private double[]? _massValues, _laplaceValues;

    private sealed class RowWork(int dim, int columns)
    {
        public readonly double[] Mass = new double[columns];
        public readonly double[] Laplace = new double[columns];
        public readonly int[] Slot = new int[dim];
        public (List<int> Q, List<double> M, List<double> L)? Entries;
    }

    // Adds row p of R times v into work.Mass and of C times v into work.Laplace (or records the entries).
    private void ApplyRow(int p, double[] v, int columns, bool laplace, RowWork work)
    {
        int d = _grid.Dim;
        var levels = _grid.SubspaceLevels;
        var strides = _grid.SubspaceStrides;
        var offsets = _grid.SubspaceOffsets;
        for (int s = 0; s < _grid.SubspaceCount; s++)
        {
            for (int j = 0; j < d; j++) work.Slot[j] = _function[p * d + j] * _levels + (levels[s * d + j] - _min);
            Walk(0, _grid.IsPartial(s) ? 0 : (int)offsets[s], 1, 0, s, v, columns, laplace, work, strides);
        }
    }

    // Depth-first over the dimensions: offset of the point so far, product of the 1-D masses so far, and the
    // Laplace sum sum_j s_j prod_(i != j) m_i over the dimensions so far.
    private void Walk(int j, int offset, double mass, double laplace, int s, double[] v, int columns, bool withLaplace, RowWork work, ReadOnlySpan<int> strides)
    {
        int d = _grid.Dim;
        int slot = work.Slot[j], first = _rangeFirst[slot], count = _rangeCount[slot], at = _rangeOffset[slot];
        int stride = strides[s * d + j];
        for (int r = 0; r < count; r++)
        {
            double m = _mass1D[at + r];
            double nextMass = mass * m, nextLaplace = laplace * m + mass * _stiffness1D[at + r];
            int q = offset + (first + r) * stride;
            if (j == d - 1)
            {
                // A partial subspace (spatially adaptive grid) walks its full local numbering; absent points are skipped.
                if (_grid.IsPartial(s) && (q = _grid.PointRow(s, q)) < 0) continue;
                if (work.Entries is { } entries)
                {
                    entries.Q.Add(q); entries.M.Add(nextMass); entries.L.Add(nextLaplace);
                    continue;
                }
                for (int c = 0; c < columns; c++)
                {
                    double x = v[q * columns + c];
                    work.Mass[c] += nextMass * x;
                    if (withLaplace) work.Laplace[c] += nextLaplace * x;
                }
            }
            else Walk(j + 1, q, nextMass, nextLaplace, s, v, columns, withLaplace, work, strides);
        }
    }

    private (double Mass, double Laplace) Entry(int p, int q)
    {
        int d = _grid.Dim;
        double mass = 1, laplace = 0;
        for (int j = 0; j < d; j++)
        {
            int u = _function[p * d + j], w = _function[q * d + j];
            int lu = _functionLevel[u], lw = _functionLevel[w];
            int ku = u - _levelStart[lu - _min], kw = w - _levelStart[lw - _min];
            double m = BasisIntegrals1D.Mass(_grid.Type, lu, ku, lw, kw), st = BasisIntegrals1D.Stiffness(_grid.Type, lu, ku, lw, kw);
            laplace = laplace * m + mass * st;
            mass *= m;
        }
        return (mass, laplace);
    }

    // Local positions of level l2 whose support overlaps (a, b) in a set of positive measure.
    private static (int First, int Last) OverlappingRange(GridType type, int l2, int count, double a, double b)
    {
        var (a2, b2) = BasisIntegrals1D.Support(type, l2, 0);
        if (a2 == 0 && b2 == 1 && count > 1 && BasisIntegrals1D.Support(type, l2, count - 1) == (0.0, 1.0)) return (0, count - 1);
        double width = b2 - a2;
        int first = (int)Math.Floor(a / width + 1e-9), last = (int)Math.Ceiling(b / width - 1e-9) - 1;
        return (Math.Clamp(first, 0, count - 1), Math.Clamp(last, 0, count - 1));
    }
}
