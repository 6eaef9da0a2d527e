using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// Samples in [0, 1]^d sorted into dyadic bins, so that a sum over the samples in one point's support visits few
/// samples besides those: the data mass of the points of a deep spatially adaptive <see cref="GridType.Linear"/> grid,
/// whose partial subspaces hold a few points each. There the term visitor evaluates every sample in every subspace
/// (N x subspaces terms, nearly all on absent points) and <see cref="CellDeposits"/> need a table at the finest level
/// of every dimension (2^{sum_j max l_j + d} values).
/// </summary>
/// <remarks>
/// Two sortings of the samples, each a counting sort (O(N + bins)): boxes, about four samples per bin over all
/// dimensions (for points of similar levels in every dimension), and per dimension j strips, bins of that dimension
/// alone down to its deepest support cell (for points deep in one dimension, which refinement along a curve makes:
/// levels (2, 9) have a support 1/2 x 1/256 of the box). A hat of level l and local position k (SG++ index 2k + 1) is
/// supported on the dyadic cell k of level l - 1, so per dimension the bins it overlaps are a contiguous range; each
/// point sums over whichever of its box or its d strips holds the fewest samples. A sample's weight is the product
/// over the dimensions of the hat values, each computed as <see cref="Basis1D.HatPiece"/> does and rounded to float32,
/// multiplied in float32 in dimension order, as the fused kernel's term builder does for the term visitor; the sums
/// are float64. Samples in a visited bin but outside the support (or on its edge) add nothing.
/// </remarks>
internal sealed class SampleBins
{
    // Strips are at most this fine (2^12 bins per dimension).
    private const int MaxStripBits = 12;

    private readonly int _d;
    private readonly Sorting _boxes;
    private readonly Sorting[] _strips;

    private SampleBins(int d, Sorting boxes, Sorting[] strips) => (_d, _boxes, _strips) = (d, boxes, strips);

    /// <summary>
    /// Box bits per dimension for <paramref name="count"/> samples: about four samples per bin, no dimension finer than
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
    /// The samples (N, d) row-major in [0, 1]^d (values outside are clamped into the edge bins) sorted into boxes of
    /// <paramref name="boxBits"/> and strips down to <paramref name="maxLevels"/>[j] - 1 (at most 12) per dimension;
    /// null when a sample is not a number (the caller falls back to the term visitor).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SampleBins? TryCreate(ReadOnlySpan<float> samples, int[] boxBits, ReadOnlySpan<int> maxLevels)
    {
        foreach (float x in samples)
            if (float.IsNaN(x)) return null;
        int d = boxBits.Length;
        var strips = new Sorting[d];
        for (int j = 0; j < d; j++)
        {
            var bits = new int[d];
            bits[j] = Math.Clamp(maxLevels[j] - 1, 0, MaxStripBits);
            strips[j] = new Sorting(samples, bits);
        }
        return new SampleBins(d, new Sorting(samples, boxBits), strips);
    }

    /// <summary>
    /// Samples the <see cref="PointSums"/> of <paramref name="grid"/> visit (per point the fewest of its box's and
    /// strips'), for choosing between this and the term visitor.
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

    // Visits every present point's fewest samples: with sums, adds their weights into sums[row]; returns the samples visited.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Walk(SparseGrid grid, double[]? sums)
    {
        int d = _d;
        Span<int> lo = stackalloc int[d], hi = stackalloc int[d], bestLo = stackalloc int[d], bestHi = stackalloc int[d];
        Span<int> k = stackalloc int[d], at = stackalloc int[d], cells = stackalloc int[d], index = stackalloc int[d];
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
                for (int j = 0; j < d; j++) index[j] = 2 * k[j] + 1;
                var best = _boxes;
                _boxes.Range(levels, k, bestLo, bestHi);
                long fewest = _boxes.Count(bestLo, bestHi, at);
                foreach (var strip in _strips)
                {
                    strip.Range(levels, k, lo, hi);
                    long samples = strip.Count(lo, hi, at);
                    if (samples >= fewest) continue;
                    (best, fewest) = (strip, samples);
                    lo.CopyTo(bestLo);
                    hi.CopyTo(bestHi);
                }
                visits += fewest;
                if (sums is not null) sums[first + r] = best.Sum(bestLo, bestHi, at, cells, scale, index, k);
            }
        }
        return visits;
    }

    /// <summary>One counting sort of the samples: bins of bits[j] bits per dimension, row-major (dimension 0 slowest).</summary>
    private sealed class Sorting
    {
        private readonly int _d;
        private readonly int[] _bits;
        private readonly int[] _start;     // bins + 1: bin c holds the sorted rows [_start[c], _start[c + 1])
        private readonly float[] _sorted;  // (N, d) row-major, in bin order

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Sorting(ReadOnlySpan<float> samples, int[] bits)
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
                    int cellsOf = 1 << bits[j];
                    c = (c << bits[j]) | Math.Min((int)(Math.Clamp(samples[i * d + j], 0f, 1f) * cellsOf), cellsOf - 1);
                }
                bin[i] = c;
                start[c + 1]++;
            }
            for (int c = 1; c < start.Length; c++) start[c] += start[c - 1];
            var sorted = new float[n * d];
            var next = start[..^1];
            for (int i = 0; i < n; i++) samples.Slice(i * d, d).CopyTo(sorted.AsSpan(next[bin[i]]++ * d, d));
            (_d, _bits, _start, _sorted) = (d, bits, start, sorted);
        }

        /// <summary>
        /// The first and last bin per dimension that the support of the point (levels, positions k) overlaps: the
        /// support is cell k of level l - 1, so its bins where they are finer, else the one bin holding it.
        /// </summary>
        public void Range(ReadOnlySpan<int> levels, ReadOnlySpan<int> k, Span<int> lo, Span<int> hi)
        {
            for (int j = 0; j < _d; j++)
            {
                int shift = _bits[j] - (levels[j] - 1);
                (lo[j], hi[j]) = shift >= 0 ? (k[j] << shift, ((k[j] + 1) << shift) - 1) : (k[j] >> -shift, k[j] >> -shift);
            }
        }

        /// <summary>Samples in the bins [lo, hi] (at: scratch of length d).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long Count(ReadOnlySpan<int> lo, ReadOnlySpan<int> hi, Span<int> at)
        {
            long total = 0;
            lo.CopyTo(at);
            do
            {
                var (from, to) = Run(lo, hi, at);
                total += to - from;
            }
            while (Next(lo, hi, at));
            return total;
        }

        /// <summary>The sum over the samples in the bins [lo, hi] of the weight of the point (see the remarks above).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double Sum(ReadOnlySpan<int> lo, ReadOnlySpan<int> hi, Span<int> at, ReadOnlySpan<int> cells, ReadOnlySpan<double> scale,
            ReadOnlySpan<int> index, ReadOnlySpan<int> k)
        {
            int d = _d;
            var sorted = _sorted;
            double sum = 0;
            lo.CopyTo(at);
            do
            {
                var (from, to) = Run(lo, hi, at);
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
            }
            while (Next(lo, hi, at));
            return sum;
        }

        // The sorted rows of the run of bins at `at` in the leading dimensions and [lo, hi] in the last (contiguous).
        private (int From, int To) Run(ReadOnlySpan<int> lo, ReadOnlySpan<int> hi, ReadOnlySpan<int> at)
        {
            int last = _d - 1, bin = 0;
            for (int j = 0; j < last; j++) bin = (bin << _bits[j]) | at[j];
            bin <<= _bits[last];
            return (_start[bin + lo[last]], _start[bin + hi[last] + 1]);
        }

        // Steps `at` over the leading dimensions of the box like an odometer; false after the last run.
        private bool Next(ReadOnlySpan<int> lo, ReadOnlySpan<int> hi, Span<int> at)
        {
            for (int m = _d - 2; m >= 0; m--)
            {
                if (++at[m] <= hi[m]) return true;
                at[m] = lo[m];
            }
            return false;
        }
    }
}
