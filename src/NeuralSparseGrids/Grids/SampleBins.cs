using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Samples in [0, 1]^d sorted into the cells of one dyadic resolution (bins, 2^{bits_j} per dimension), so that a sum
/// over the samples in one point's support visits only the bins its support overlaps: the data mass of the points of a
/// deep spatially adaptive <see cref="GridType.Linear"/> grid, whose partial subspaces hold a few points each. There the
/// term visitor evaluates every sample in every subspace (N x subspaces terms, nearly all on absent points) and
/// <see cref="CellDeposits"/> need a table at the finest level of every dimension (2^{sum_j max l_j + d} values);
/// the bins cost O(N) to build and, per point, the samples of the bins around its support.
/// </summary>
/// <remarks>
/// A hat of level l and local position k (SG++ index 2k + 1) is supported on the dyadic cell k of level l - 1, so
/// per dimension the bins it overlaps are a contiguous range: the cell's bins where bins are finer, else the one
/// bin holding the cell. A sample's weight is the product over the dimensions of the hat values, each computed as
/// <see cref="Basis1D.HatPiece"/> does and rounded to float32, multiplied in float32 in dimension order, as the
/// fused kernel's term builder does for the term visitor; the sums are float64. Zero contributions (samples in an
/// overlapped bin but outside the support, or on its edge) are skipped, which changes no sum.
/// </remarks>
internal sealed class SampleBins
{
    private readonly int _d;
    private readonly int[] _bits;
    private readonly int[] _start;     // bins + 1: samples of bin c are _sorted rows [_start[c], _start[c + 1])
    private readonly float[] _sorted;  // (N, d) row-major, in bin order

    private SampleBins(int d, int[] bits, int[] start, float[] sorted) => (_d, _bits, _start, _sorted) = (d, bits, start, sorted);

    /// <summary>
    /// Bits per dimension for <paramref name="count"/> samples: about four samples per bin, no dimension finer than
    /// its deepest support cell (level <paramref name="maxLevels"/>[j] - 1), dimensions taking bits in turn.
    /// </summary>
    public static int[] Resolution(int count, ReadOnlySpan<int> maxLevels)
    {
        int d = maxLevels.Length, budget = Math.Max(0, (int)Math.Log2(Math.Max(1, count / 4)));
        var bits = new int[d];
        for (bool grew = true; budget > 0 && grew;)
        {
            grew = false;
            for (int j = 0; j < d && budget > 0; j++)
                if (bits[j] < Math.Min(maxLevels[j] - 1, 20))
                {
                    bits[j]++;
                    budget--;
                    grew = true;
                }
        }
        return bits;
    }

    /// <summary>
    /// The samples (N, d) row-major in [0, 1]^d (values outside are clamped into the edge bins) sorted into bins of
    /// <paramref name="bits"/>; null when a sample is not a number (the caller falls back to the term visitor).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SampleBins? TryCreate(ReadOnlySpan<float> samples, int[] bits)
    {
        int d = bits.Length, n = samples.Length / d, totalBits = 0;
        foreach (int b in bits) totalBits += b;
        var bin = new int[n];
        var start = new int[(1 << totalBits) + 1];
        for (int i = 0; i < n; i++)
        {
            int c = 0;
            for (int j = 0; j < d; j++)
            {
                float x = samples[i * d + j];
                if (float.IsNaN(x)) return null;
                int cells = 1 << bits[j];
                c = (c << bits[j]) | Math.Min((int)(Math.Clamp(x, 0f, 1f) * cells), cells - 1);
            }
            bin[i] = c;
            start[c + 1]++;
        }
        for (int c = 1; c < start.Length; c++) start[c] += start[c - 1];
        var sorted = new float[n * d];
        var next = start[..^1];
        for (int i = 0; i < n; i++) samples.Slice(i * d, d).CopyTo(sorted.AsSpan(next[bin[i]]++ * d, d));
        return new SampleBins(d, bits, start, sorted);
    }

    /// <summary>
    /// Samples the <see cref="PointSums"/> of <paramref name="grid"/> would visit (the samples of the bins each
    /// point's support overlaps), for choosing between this and the term visitor.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Visits(SparseGrid grid) => Walk(grid, null);

    /// <summary>
    /// Per present point of the <see cref="GridType.Linear"/> <paramref name="grid"/> (its rows): the sum over the
    /// samples of its basis function.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double[] PointSums(SparseGrid grid)
    {
        if (grid.Type != GridType.Linear) throw new ArgumentException("Sample bins sum hats of Linear grids only.", nameof(grid));
        var sums = new double[grid.PointCount];
        Walk(grid, sums);
        return sums;
    }

    // Visits every present point's bins: with sums, adds its samples' weights into sums[row]; returns the samples visited.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Walk(SparseGrid grid, double[]? sums)
    {
        int d = _d, last = d - 1;
        Span<int> lo = stackalloc int[d], hi = stackalloc int[d], k = stackalloc int[d], at = stackalloc int[d];
        Span<int> cells = stackalloc int[d], index = stackalloc int[d];
        Span<double> scale = stackalloc double[d];
        long visits = 0;
        for (int s = 0; s < grid.SubspaceCount; s++)
        {
            var levels = grid.SubspaceLevels.Slice(s * d, d);
            for (int j = 0; j < d; j++)
            {
                cells[j] = 1 << (levels[j] - 1);
                scale[j] = 2.0 * cells[j];
            }
            long first = grid.SubspaceOffsets[s], count = grid.SubspaceOffsets[s + 1] - first;
            for (int r = 0; r < count; r++)
            {
                grid.LocalPositions(s, grid.LocalIndex(s, r), k);
                for (int j = 0; j < d; j++)
                {
                    // Support: cell k of level l - 1; in bins: its bins where they are finer, else the bin holding it.
                    int shift = _bits[j] - (levels[j] - 1);
                    (lo[j], hi[j]) = shift >= 0 ? (k[j] << shift, ((k[j] + 1) << shift) - 1) : (k[j] >> -shift, k[j] >> -shift);
                    index[j] = 2 * k[j] + 1;
                    at[j] = lo[j];
                }
                double sum = 0;
                // The box's bins row-major: the last dimension's run is contiguous, the others step like an odometer.
                while (true)
                {
                    int bin = 0;
                    for (int j = 0; j < last; j++) bin = (bin << _bits[j]) | at[j];
                    bin <<= _bits[last];
                    int from = _start[bin + lo[last]], to = _start[bin + hi[last] + 1];
                    visits += to - from;
                    if (sums is not null) sum += Weights(from, to, cells, scale, index, k);
                    int m = last - 1;
                    for (; m >= 0; m--)
                    {
                        if (++at[m] <= hi[m]) break;
                        at[m] = lo[m];
                    }
                    if (m < 0) break;
                }
                if (sums is not null) sums[first + r] = sum;
            }
        }
        return visits;
    }

    // Sum over the sorted samples [from, to) of one point's weight (see the remarks).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Weights(int from, int to, ReadOnlySpan<int> cells, ReadOnlySpan<double> scale, ReadOnlySpan<int> index, ReadOnlySpan<int> k)
    {
        int d = _d;
        var sorted = _sorted;
        double sum = 0;
        for (int i = from; i < to; i++)
        {
            float w = 1;
            for (int j = 0; j < d && w != 0; j++)
            {
                double x = Math.Clamp(sorted[i * d + j], 0f, 1f);
                // Basis1D.HatPiece's arithmetic: the active function's position and value at x.
                int active = Math.Min((int)(x * cells[j]), cells[j] - 1);
                w = active == k[j] ? w * (float)(1 - Math.Abs(scale[j] * x - index[j])) : 0;
            }
            sum += w;
        }
        return sum;
    }
}
