using System.Buffers;
using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Samples in [0, 1]^d deposited onto the corners of the cells of a dyadic grid with multilinear weights (cloud in
/// cell), at every resolution up to a finest one: sums of the basis functions of a <see cref="GridType.Linear"/>
/// grid over the samples (the surplus indicator of candidate subspaces in dimension-adaptive refinement)
/// without visiting every sample for every subspace. A hat of level l is linear on each of the 2^l cells of width 2^-l, so
/// on a cell at resolution l (per dimension) the sum over the cell's samples of a basis function is the function's
/// corner values times the cell's corner deposits; a hat is 1 at its centre (the corner every cell of its support
/// shares) and 0 at every other corner of those cells, so that sum is one table entry. The samples are deposited once
/// at the finest resolution; a coarser table is the finer one restricted along one dimension (each fine corner
/// deposit split between the coarse corners by the same linear weights, all positive: no cancellation, so an
/// embedding-free support sums to exactly zero). Cost: O(N 2^d) for the deposit plus the table sizes, against
/// O(N) per subspace for the term visitor.
/// </summary>
/// <remarks>
/// Table layout at resolution r (2^{r_j} cells in dimension j): entry cell * 2^d + corners, cell row-major over
/// the dimensions (dimension 0 slowest), bit j of corners set for the right corner in dimension j.
/// </remarks>
internal sealed class CellDeposits : IDisposable
{
    private readonly int _d;
    private readonly int[] _finest;
    private readonly Dictionary<long, double[]> _tables = [];

    private CellDeposits(int d, int[] finest)
    {
        _d = d;
        _finest = finest;
    }

    /// <summary>Values of the finest table: 2^(sum finest + d).</summary>
    public static double TableValues(ReadOnlySpan<int> finest)
    {
        int bits = finest.Length;
        foreach (int f in finest) bits += f;
        return Math.Pow(2, bits);
    }

    /// <summary>
    /// The deposits of the samples (N, d) row-major in [0, 1]^d at resolutions up to <paramref name="finest"/> (cells
    /// 2^{finest_j} per dimension, each at most 30); null when a sample is not a number (the caller falls back to the
    /// term visitor, which has its own convention for those).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe CellDeposits? TryCreate(ReadOnlySpan<float> samples, int[] finest)
    {
        int d = finest.Length, n = samples.Length / d;
        var deposits = new CellDeposits(d, finest);
        var table = Rent(finest);
        deposits._tables[Key(finest)] = table;
        double* weights = stackalloc double[1 << d];
        float* cellsOf = stackalloc float[d];
        int* lastCell = stackalloc int[d];
        for (int j = 0; j < d; j++) (cellsOf[j], lastCell[j]) = (1 << finest[j], (1 << finest[j]) - 1);
        bool nan = false;
        // One pass per sample, the corner weights prod_j (right_j or 1 - right_j) doubled one dimension at a time
        // while the cell index is built (a step runs this over every training embedding: keep it to one loop).
        fixed (float* h = samples)
        fixed (double* deposit = table)
        {
            for (int i = 0; i < n; i++)
            {
                float* x = h + (long)i * d;
                int index = 0, count = 1;
                weights[0] = 1;
                for (int j = 0; j < d; j++, count <<= 1)
                {
                    float v = x[j];
                    nan |= float.IsNaN(v);
                    double u = (double)Math.Clamp(v, 0f, 1f) * cellsOf[j];
                    int c = Math.Min((int)u, lastCell[j]);
                    double r = u - c;
                    index = (index << finest[j]) | c;
                    for (int q = 0; q < count; q++)
                    {
                        double w = weights[q];
                        weights[q + count] = w * r;
                        weights[q] = w * (1 - r);
                    }
                }
                double* at = deposit + ((long)index << d);
                for (int q = 0; q < count; q++) at[q] += weights[q];
            }
        }
        if (!nan) return deposits;
        deposits.Dispose();
        return null;
    }

    /// <summary>
    /// The table at resolution <paramref name="resolution"/> (each at most the finest), restricted from the finest
    /// one dimension at a time (the last dimension still finer first); kept for later calls.
    /// </summary>
    public double[] Table(ReadOnlySpan<int> resolution)
    {
        long key = Key(resolution);
        if (_tables.TryGetValue(key, out var table)) return table;
        int j = _d - 1;
        while (resolution[j] >= _finest[j])
            if (--j < 0) throw new ArgumentOutOfRangeException(nameof(resolution), "A resolution finer than the deposits'.");
        var finer = resolution.ToArray();
        finer[j]++;
        var source = Table(finer);
        table = Rent(resolution, clear: false);
        Restrict(source, table, resolution, j);
        _tables[key] = table;
        return table;
    }

    // Coarse (resolution, with dimension j one level coarser than source's) from source: along j, a coarse cell is
    // the fine cells (left half, right half); their corner deposits (aL, aR), (bL, bR) go to the coarse corners by
    // the fine corners' linear weights there: L = aL + (aR + bL) / 2, R = bR + (aR + bL) / 2 (the middle node halved).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Restrict(double[] source, double[] target, ReadOnlySpan<int> resolution, int j)
    {
        int bit = 1 << j;
        long high = 1, block = 1L << _d;
        for (int i = 0; i < j; i++) high <<= resolution[i];
        for (int i = j + 1; i < _d; i++) block <<= resolution[i];
        long coarseCells = high << resolution[j];
        for (long c = 0; c < coarseCells; c++)
        {
            long t = c * block, a = 2 * c * block, b = a + block;
            for (long q = 0; q < block; q++)
            {
                if ((q & bit) != 0) continue;
                double middle = 0.5 * (source[a + q + bit] + source[b + q]);
                target[t + q] = source[a + q] + middle;
                target[t + q + bit] = source[b + q + bit] + middle;
            }
        }
    }

    private static double[] Rent(ReadOnlySpan<int> resolution, bool clear = true)
    {
        long size = (long)TableValues(resolution);
        var table = ArrayPool<double>.Shared.Rent(checked((int)size));
        if (clear) Array.Clear(table, 0, (int)size);
        return table;
    }

    private static long Key(ReadOnlySpan<int> resolution)
    {
        long key = 0;
        foreach (int r in resolution) key = key * 32 + r;
        return key;
    }

    /// <summary>Returns the tables to the pool.</summary>
    public void Dispose()
    {
        foreach (var table in _tables.Values) ArrayPool<double>.Shared.Return(table);
        _tables.Clear();
    }
}
