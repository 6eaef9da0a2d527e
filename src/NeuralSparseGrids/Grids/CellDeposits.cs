using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Samples in [0, 1]^d deposited onto the nodes of a dyadic grid with multilinear weights (cloud in cell), at every
/// resolution up to a finest one: sums of the basis functions of a <see cref="GridType.Linear"/> grid over the samples
/// (the surplus indicator of candidate subspaces in dimension-adaptive refinement) without visiting every sample for
/// every subspace. At resolution r (2^{r_j} cells per dimension) a sample gives each of the 2^d corners of its cell the
/// product of its one-dimensional linear weights, which is the value of that node's hat of level r at the sample; so the
/// deposit on node k is sum over the samples of the level-r hat centred at k, and a basis function of level l with index
/// i sums to the deposit on node i of the resolution-l table: one entry. The samples are deposited once at the finest
/// resolution; a coarser table is the finer one restricted along one dimension (a coarse hat is the fine hat at its node
/// plus half the fine hats beside it, all weights positive: no cancellation, so an embedding-free support sums to
/// exactly zero). Cost: O(N 2^d) for the deposit plus the table sizes (about 2^{|r|_1} each), against O(N) per subspace
/// for the term visitor.
/// </summary>
/// <remarks>
/// Table layout at resolution r: 2^{r_j} + 1 nodes in dimension j (node k at k 2^{-r_j}), row-major over the
/// dimensions, dimension 0 slowest (<see cref="NodeStrides"/>).
/// <para>
/// The tables live in native memory, freed by <see cref="Dispose"/>: a refinement step builds them, and as managed
/// arrays (pooled or not) the larger ones were large-object allocations, which count towards the garbage collector's
/// budget like the epoch's own garbage: on the swiss roll the step that first needed a 128 KiB table triggered a
/// collection, in every run, a 2.4-3.5 ms pause inside a step that otherwise takes about 0.2 ms. (Those were tables of
/// cell corners, 2^d values per cell, before the node layout made them about 2^d times smaller.)
/// </para>
/// </remarks>
internal sealed unsafe class CellDeposits : IDisposable
{
    private readonly int _d;
    private readonly int[] _finest;
    private readonly Dictionary<long, (nint Data, int Length)> _tables = [];

    private CellDeposits(int d, int[] finest)
    {
        _d = d;
        _finest = finest;
    }

    /// <summary>Values of the table at <paramref name="resolution"/>: prod_j (2^{r_j} + 1).</summary>
    public static double TableValues(ReadOnlySpan<int> resolution)
    {
        double values = 1;
        foreach (int r in resolution) values *= Math.Pow(2, r) + 1;
        return values;
    }

    /// <summary>The offset of node (k_0, ..., k_{d-1}) is sum_j k_j strides_j in the table at <paramref name="resolution"/>.</summary>
    public static void NodeStrides(ReadOnlySpan<int> resolution, Span<int> strides)
    {
        int stride = 1;
        for (int j = resolution.Length - 1; j >= 0; j--)
        {
            strides[j] = stride;
            stride *= (1 << resolution[j]) + 1;
        }
    }

    /// <summary>
    /// The deposits of the samples (N, d) row-major in [0, 1]^d at resolutions up to <paramref name="finest"/> (cells
    /// 2^{finest_j} per dimension, each at most 30); null when a sample is not a number (the caller falls back to the
    /// term visitor, which has its own convention for those).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CellDeposits? TryCreate(ReadOnlySpan<float> samples, int[] finest)
    {
        int d = finest.Length, n = samples.Length / d;
        var deposits = new CellDeposits(d, finest);
        double* deposit = deposits.Allocate(finest, zeroed: true);
        double* weights = stackalloc double[1 << d];
        int* offsets = stackalloc int[1 << d];
        int* strides = stackalloc int[d];
        float* cellsOf = stackalloc float[d];
        int* lastCell = stackalloc int[d];
        NodeStrides(finest, new Span<int>(strides, d));
        for (int j = 0; j < d; j++) (cellsOf[j], lastCell[j]) = (1 << finest[j], (1 << finest[j]) - 1);
        // Corner q of a cell (bit j set: the right node in dimension j) sits offsets[q] after the cell's lowest node.
        for (int q = 0; q < 1 << d; q++)
        {
            offsets[q] = 0;
            for (int j = 0; j < d; j++)
                if ((q >> j & 1) != 0) offsets[q] += strides[j];
        }
        bool nan = false;
        // One pass per sample, the corner weights prod_j (right_j or 1 - right_j) doubled one dimension at a time
        // while the lowest node's offset is built (a step runs this over every training embedding: keep it to one loop).
        fixed (float* h = samples)
        {
            if (d == 2) nan = DepositPlanar(h, n, deposit, strides[0], cellsOf, lastCell);
            else for (int i = 0; i < n; i++)
            {
                float* x = h + (long)i * d;
                int lowest = 0, count = 1;
                weights[0] = 1;
                for (int j = 0; j < d; j++, count <<= 1)
                {
                    float v = x[j];
                    nan |= float.IsNaN(v);
                    double u = (double)Math.Clamp(v, 0f, 1f) * cellsOf[j];
                    int c = Math.Min((int)u, lastCell[j]);
                    double r = u - c;
                    lowest += c * strides[j];
                    for (int q = 0; q < count; q++)
                    {
                        double w = weights[q];
                        weights[q + count] = w * r;
                        weights[q] = w * (1 - r);
                    }
                }
                double* at = deposit + lowest;
                for (int q = 0; q < count; q++) at[offsets[q]] += weights[q];
            }
        }
        if (!nan) return deposits;
        deposits.Dispose();
        return null;
    }

    // TryCreate's loop for d = 2 (every latent box of the swiss roll and two moons), written out: the general loop's
    // weight doubling and corner offsets through memory took about 8 ns a sample, a third of a refinement step's indicator.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool DepositPlanar(float* h, int n, double* deposit, int rowStride, float* cellsOf, int* lastCell)
    {
        bool nan = false;
        for (int i = 0; i < n; i++)
        {
            float x = h[2 * i], y = h[2 * i + 1];
            nan |= float.IsNaN(x) | float.IsNaN(y);
            double u = (double)Math.Clamp(x, 0f, 1f) * cellsOf[0], v = (double)Math.Clamp(y, 0f, 1f) * cellsOf[1];
            int cu = Math.Min((int)u, lastCell[0]), cv = Math.Min((int)v, lastCell[1]);
            double ru = u - cu, rv = v - cv;
            double* at = deposit + cu * rowStride + cv;
            double left = 1 - ru;
            at[0] += left * (1 - rv);
            at[1] += left * rv;
            at[rowStride] += ru * (1 - rv);
            at[rowStride + 1] += ru * rv;
        }
        return nan;
    }

    /// <summary>
    /// The table at resolution <paramref name="resolution"/> (each at most the finest), restricted from the finest
    /// one dimension at a time (the last dimension still finer first); kept until <see cref="Dispose"/>.
    /// </summary>
    public ReadOnlySpan<double> Table(ReadOnlySpan<int> resolution)
    {
        if (_tables.TryGetValue(Key(resolution), out var known)) return new ReadOnlySpan<double>((double*)known.Data, known.Length);
        int j = _d - 1;
        while (resolution[j] >= _finest[j])
            if (--j < 0) throw new ArgumentOutOfRangeException(nameof(resolution), "A resolution finer than the deposits'.");
        var finer = resolution.ToArray();
        finer[j]++;
        var source = Table(finer);
        double* table = Allocate(resolution, zeroed: false);
        fixed (double* from = source) Restrict(from, table, resolution, j);
        return new ReadOnlySpan<double>(table, (int)TableValues(resolution));
    }

    // Coarse (resolution, with dimension j one level coarser than source's) from source: along j, the coarse hat at
    // node k is the fine hat at node 2k plus half the fine hats at 2k - 1 and 2k + 1, so coarse[k] = fine[2k]
    // + (fine[2k - 1] + fine[2k + 1]) / 2 (the neighbours that exist), for every combination of the other dimensions.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Restrict(double* source, double* target, ReadOnlySpan<int> resolution, int j)
    {
        long outer = 1, inner = 1;
        for (int i = 0; i < j; i++) outer *= (1L << resolution[i]) + 1;
        for (int i = j + 1; i < _d; i++) inner *= (1L << resolution[i]) + 1;
        int coarseNodes = (1 << resolution[j]) + 1, fineNodes = 2 * coarseNodes - 1;
        for (long a = 0; a < outer; a++)
        {
            double* from = source + a * fineNodes * inner, to = target + a * coarseNodes * inner;
            if (inner == 1) RestrictLine(from, to, coarseNodes);
            else
                for (int k = 0; k < coarseNodes; k++)
                    RestrictRow(from + 2L * k * inner, to + k * inner, inner, left: k > 0, right: k < coarseNodes - 1);
        }
    }

    // Restrict along the last dimension (contiguous nodes), the first restriction of every table from the finest: as
    // rows of one element each it paid a row's setup per node (five candidates' tables at finest (6, 5) from 3,840
    // samples: 16 µs that way, 11 µs with this loop and the vector rows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RestrictLine(double* from, double* to, int coarseNodes)
    {
        int last = coarseNodes - 1;
        to[0] = from[0] + 0.5 * from[1];
        for (int k = 1; k < last; k++) to[k] = from[2 * k] + 0.5 * (from[2 * k - 1] + from[2 * k + 1]);
        to[last] = from[2 * last] + 0.5 * from[2 * last - 1];
    }

    // One coarse row of inner nodes from the fine row at centre and its neighbour rows inner before and after (those
    // that exist), in vectors: the same operations per element as RestrictLine, so the same bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RestrictRow(double* centre, double* row, long inner, bool left, bool right)
    {
        long m = 0;
        if (left && right)
        {
            var half = new Vector<double>(0.5);
            for (; m <= inner - Vector<double>.Count; m += Vector<double>.Count)
            {
                var sides = Vector.Load(centre + m - inner) + Vector.Load(centre + m + inner);
                Vector.Store(Vector.Load(centre + m) + half * sides, row + m);
            }
            for (; m < inner; m++) row[m] = centre[m] + 0.5 * (centre[m - inner] + centre[m + inner]);
        }
        else
        {
            double* side = left ? centre - inner : centre + inner;
            for (; m < inner; m++) row[m] = centre[m] + 0.5 * side[m];
        }
    }

    // A table at the resolution, registered for Dispose (zero-filled where deposits are added to it).
    private double* Allocate(ReadOnlySpan<int> resolution, bool zeroed)
    {
        int length = checked((int)TableValues(resolution));
        nuint bytes = (nuint)length * sizeof(double);
        var data = (double*)(zeroed ? NativeMemory.AllocZeroed(bytes) : NativeMemory.Alloc(bytes));
        _tables[Key(resolution)] = ((nint)data, length);
        return data;
    }

    private static long Key(ReadOnlySpan<int> resolution)
    {
        long key = 0;
        foreach (int r in resolution) key = key * 32 + r;
        return key;
    }

    /// <summary>Frees the tables (spans from <see cref="Table"/> must not be used after).</summary>
    public void Dispose()
    {
        foreach (var (data, _) in _tables.Values) NativeMemory.Free((void*)data);
        _tables.Clear();
        GC.SuppressFinalize(this);
    }

    ~CellDeposits() => Dispose();
}
