using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The fused CPU kernel of the sparse grid layer (thesis Eq. 3.3, 3.5, 3.6) on raw contiguous row-major buffers.
/// </summary>
/// <remarks>
/// First the active one-dimensional functions of every sample, dimension and level are tabulated
/// (<see cref="ActiveFunctions"/> semantics, sample index fastest, O(batch d L)), by each worker for itself
/// (<see cref="Worker.Table"/> says why). Both passes then run subspace-major
/// in storage order and in parallel over subspace ranges: a subspace's coefficient rows are one contiguous block, so
/// all samples of a batch hit it while it is in cache, and the blocks are read front to back.
/// <para>
/// Per subspace (and, where it has global boundary levels, per combination of their active functions, which is the
/// same for every sample) the point index and weight prod_j phi_j(h_bj) of every sample are built dimension by
/// dimension with vectors over the batch, reusing the partial sums and products of the leading dimensions it shares
/// with the subspace before it (<see cref="SparseGrid.SharedLeadingArray"/>). Then, per sample, the o-element rows:
/// forward out[b] += w_b C[idx_b] (eight terms at a time, each sample's accumulator in a
/// register over them: <see cref="ForwardRows"/>); backward dL/dC[idx_b] += w_b g[b] into the worker's padded block of the subspace
/// (<see cref="GradientBlock"/>; subspaces own disjoint point ranges, so no two threads touch the same row: no
/// atomics) and q_b = g[b] . C[idx_b], in vector tiles (<see cref="RowTiles"/>, which says why rows are not
/// vectorised over the batch). Last, dL/dh = sum over terms of q phi'_j prod_{m != j} phi_m by reverse mode through
/// the term builder's shared partial products (<see cref="CloseNodes"/>: only the dimensions a term does not share with
/// the next cost work), again vectorised over the batch, into per-thread (d, batch) buffers.
/// </para>
/// <para>
/// Determinism: per-thread partial sums are added in chunk order (<see cref="ChunkSums"/>), so results are the same
/// bits from call to call at a given thread count and vector width. The scalar fallback (no SIMD, or
/// <c>vectorize: false</c>) sums in the same order per element without fused multiply-adds, so the two agree to
/// rounding.
/// </para>
/// </remarks>
internal static unsafe partial class FusedKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Subspace chunks per thread of both passes (see <see cref="Forward"/>).</summary>
    private const int ChunksPerThread = 2;

    /// <summary>
    /// out (n, o) = sum over subspaces of the active terms; h (n, d), c (points, o). Overwrites out.
    /// <c>vectorize: false</c> forces the scalar fallback (tests compare the two).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(SparseGrid t, nint h, nint c, nint output, int n, int o, int threads, bool vectorize = true)
    {
        var rows = new RowTiles(o, vectorize);
        using var coordinates = t.HasGlobalLevels ? null : new ClampedCoordinates(t.Dim, (T*)h, n);
        // Two chunks a thread: enough for the thread team to even out a late start, few enough that the chunks' fresh
        // starts (all d dimensions rebuilt, the first block not prefetched) and partial sums stay small (eight a
        // thread cost about 4% at d = 8, n = 7 on two threads).
        int chunks = Math.Min(t.SubspaceCount, threads * ChunksPerThread), stride = rows.Stride;
        using var sums = new ChunkSums(chunks, threads, checked(n * stride));
        long cLength = t.PointCount * o;
        int[] offsets = t.PointOffsets;
        // Every method on the per-subspace path is compiled fully optimised at once (AggressiveOptimization), not
        // tiered: under tiering the chunk bodies and the small dispatchers ran as unoptimised tier-0 or OSR code for the
        // first tens of steps (call counting starts 100 ms after the last tier-0 compile), which is all of a short
        // benchmark and the first epoch of a run.
        ParallelChunks.For(chunks, threads, () => new Worker(t.Dim, n, checked(n * stride)) { Table = new SampleActiveFunctions(t, h, n, coordinates: coordinates) },
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, wk) =>
        {
            var table = wk.Table!;
            var (s0, s1) = ParallelChunks.Range(chunk, chunks, t.SubspaceCount);
            wk.ValidDepth = 0;
            var term = new ForwardTerm((T*)c, cLength, rows);
            term.Flush(n, wk);   // empty: aims the term builder at the group
            for (int s = s0; s < s1; s++)
            {
                PrefetchTables(t, offsets, s + 2, s1);
                if (s + 1 < s1)
                {
                    // All at once here: spread over the rows (as the backward pass does) cost the forward pass about 7%.
                    PrefetchBlocks(t, offsets, s + 1, (T*)c, null, o, n, wk);
                    wk.Prefetch.Drain();
                }
                ForEachTerm(t, table, s, s == s0 ? 0 : t.SharedLeadingArray[s], wk, ref term);
            }
            term.Flush(n, wk);
            sums.EndChunk(chunk, wk.Acc);
        }, wk =>
        {
            sums.EndWorker(wk.Acc);
            wk.Dispose();
        });
        T* r = (T*)output;
        new Span<T>(r, n * o).Clear();
        foreach (var part in sums.InOrder())
            for (int b = 0; b < n; b++)
                for (int k = 0; k < o; k++) r[(long)b * o + k] += part[b * stride + k];
    }

    /// <summary>
    /// Gradients for upstream g (n, o): gh (n, d) if non-zero (must be zero-filled), gc (points, o) if non-zero. With
    /// <paramref name="accumulateGc"/> false gc need not be initialised (each subspace's block is cleared by the thread
    /// that owns it, so no separate parallel zero fill) and receives dL/dC; with true dL/dC is added to what gc holds
    /// (an existing .grad, as autograd's accumulation would, without a second buffer and an add pass).
    /// <c>vectorize: false</c> forces the scalar fallback.
    /// <para>
    /// <paramref name="massUnits"/>, if non-zero, is a (points) array of 64-bit integers to which every term adds the
    /// <see cref="DataMass.Units(double)"/> of its weight: the batch's data mass per point, gathered at almost no cost where
    /// the rows are scalar (o below half a vector), because each add runs beside the dL/dC row update of the same
    /// point, which waits on the same chain of repeated points anyway (a separate pass over the terms cost about a
    /// quarter of the forward pass on the swiss roll).
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(SparseGrid t, nint h, nint c, nint g, nint gh, nint gc, int n, int o, int threads, bool vectorize = true,
        bool accumulateGc = false, nint massUnits = 0)
    {
        var rows = new RowTiles(o, vectorize);
        using var coordinates = t.HasGlobalLevels ? null : new ClampedCoordinates(t.Dim, (T*)h, n);
        int d = t.Dim, stride = rows.Stride;
        // The upstream rows with the padded stride and zeros in the padding lanes (see RowTiles).
        using var padded = new AlignedBuffer(checked(n * stride));
        var rowsCopy = padded.Span(n * stride);
        for (int b = 0; b < n; b++)
        {
            new ReadOnlySpan<T>((T*)g + (long)b * o, o).CopyTo(rowsCopy.Slice(b * stride, o));
            rowsCopy.Slice(b * stride + o, stride - o).Clear();
        }
        int chunks = Math.Min(t.SubspaceCount, threads * ChunksPerThread);
        using var sums = new ChunkSums(chunks, threads, gh == 0 ? 0 : n * d);
        long cLength = t.PointCount * o;
        int[] offsets = t.PointOffsets;
        int largest = LargestSubspace(t);
        T* gRows = padded.Data;
        ParallelChunks.For(chunks, threads, () => new Worker(d, n, gh == 0 ? 0 : n * d)
            {
                Gradient = gc == 0 ? null : GradientBlock.For(largest, rows),
                MassUnits = (long*)massUnits,
                Table = new SampleActiveFunctions(t, h, n, coordinates: coordinates),
            },
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk, wk) =>
        {
            var table = wk.Table!;
            var (s0, s1) = ParallelChunks.Range(chunk, chunks, t.SubspaceCount);
            wk.ValidDepth = 0;
            for (int s = s0; s < s1; s++)
            {
                int points = offsets[s + 1] - offsets[s];
                long blockStart = (long)offsets[s] * o, blockEnd = (long)offsets[s + 1] * o;
                PrefetchTables(t, offsets, s + 2, s1);
                if (s + 1 < s1) PrefetchBlocks(t, offsets, s + 1, (T*)c, (T*)gc, o, n, wk);
                var block = wk.Gradient is { } b && points <= b.Rows ? b : null;
                if (block != null) block.Clear(points);
                else if (gc != 0 && !accumulateGc) new Span<T>((T*)gc + blockStart, checked((int)(blockEnd - blockStart))).Clear();
                // The block's rows are addressed by point index like dL/dC's: row p at Data + (p - first) stride.
                T* target = block != null ? block.Data - (long)offsets[s] * rows.Stride : (T*)gc;
                var term = new BackwardTerm((T*)c, cLength, gRows, target, block != null, blockEnd, gh != 0, rows, s);
                ForEachTerm(t, table, s, s == s0 ? 0 : t.SharedLeadingArray[s], wk, ref term);
                block?.WriteBack((T*)gc + blockStart, points, rows, accumulateGc);
            }
            if (wk.PendingTerm) CloseNodes(d, table, wk, 0, rows.BatchVectorized);
            sums.EndChunk(chunk, wk.Acc);
        }, wk =>
        {
            sums.EndWorker(wk.Acc);
            wk.Dispose();
        });
        if (gh != 0)
        {
            // Acc is (d, n) dimension-major; gh is (n, d).
            T* r = (T*)gh;
            foreach (var part in sums.InOrder())
                for (int j = 0; j < d; j++)
                    for (int b = 0; b < n; b++) r[(long)b * d + j] += part[j * n + b];
        }
    }

    /// <summary>Bytes of scratch forward or backward allocates besides its outputs (for the memory report).</summary>
    public static long ScratchBytes(SparseGrid t, int n, int o, int threads)
    {
        var rows = new RowTiles(o, vectorize: true);
        long stride = rows.Stride, blockRows = GradientBlock.RowsFor(LargestSubspace(t), rows);
        return (long)n * stride * sizeof(T) + (long)n * t.Dim * (sizeof(double) + sizeof(int))
            + (long)threads * ((long)n * t.Dim * t.LevelCount * (1 + ActiveFunctions.Width * (sizeof(int) + 2 * sizeof(T)))
                + (long)n * Math.Max(stride, t.Dim) * sizeof(T)
                + ((long)n * (t.Dim + 2) + (long)Worker.GroupTerms * Worker.SlotStrideFor(n)) * (sizeof(T) + sizeof(int)) + (t.Dim + 1L) * n * sizeof(T)
                + (long)n * sizeof(long)
                + blockRows * stride * sizeof(T));
    }

    /// <summary>Points of the grid's largest subspace (the rows a <see cref="GradientBlock"/> must hold).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LargestSubspace(SparseGrid t)
    {
        int[] offsets = t.PointOffsets;
        int largest = 0;
        for (int s = 0; s < t.SubspaceCount; s++) largest = Math.Max(largest, offsets[s + 1] - offsets[s]);
        return largest;
    }

    /// <summary>
    /// Arms <see cref="Worker.Prefetch"/> with the coefficient block (and, if <paramref name="gc"/> is non-null, the
    /// dL/dC block) of subspace s, to be loaded while the one before it is processed. Samples hit a block's rows in
    /// random order, so the hardware's stream prefetchers do not see these loads coming; without this the passes wait
    /// on memory for every first touch of a row of grids larger than the L2 cache (d = 8, n = 7, 10 outputs: 5.7 MB per
    /// pass). Blocks beyond 8 KiB are left to the caches (a batch touches only part of them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchBlocks(SparseGrid t, int[] offsets, int s, T* c, T* gc, int o, int n, Worker wk)
    {
        long start = (long)offsets[s] * o * sizeof(T), bytes = Math.Min((long)(offsets[s + 1] - offsets[s]) * o * sizeof(T), 8192);
        wk.Prefetch.Arm((byte*)c + start, bytes, gc == null ? null : (byte*)gc + start, gc == null ? 0 : bytes, n);
    }

    /// <summary>
    /// Asks the CPU to load the grid's per-subspace table rows (levels, strides, point offsets) of subspace s, two
    /// ahead of the one at hand, so that they are in cache when <see cref="PrefetchBlocks"/> and the term builder read
    /// them: each pass streams megabytes of coefficients and dL/dC through the caches, which evicts them between
    /// passes (when subspaces were visited out of storage order, every subspace waited on two or three cache misses
    /// before any work: about a tenth of a pass at d = 8, n = 7).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTables(SparseGrid t, int[] offsets, int s, int end)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || s >= end) return;
        int d = t.Dim;
        PrefetchRange(ref t.LevelEntries[s * d], d * sizeof(int));
        PrefetchRange(ref t.Strides[s * d], d * sizeof(int));
        PrefetchRange(ref offsets[s], 2 * sizeof(int));
    }

    /// <summary>
    /// Prefetches the cache lines of <paramref name="bytes"/> bytes of a managed array from <paramref name="first"/>.
    /// Unpinned is fine: a prefetch cannot fault, and one the garbage collector outdates is merely wasted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRange(ref int first, int bytes)
    {
        byte* p = (byte*)Unsafe.AsPointer(ref first);
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(p);
        if (((nint)p & 63) + bytes > 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + bytes - 1);
    }

    /// <summary>
    /// Runs <paramref name="rows"/> once per term of subspace <paramref name="s"/> after filling the worker's point
    /// indices and weights: once for a subspace of hat levels, once per combination of active functions
    /// (<see cref="Odometer"/> order) for one with global levels. <paramref name="sharedDepth"/>: how many leading
    /// dimensions s shares with the subspace the worker handled before (<see cref="SparseGrid.SharedLeadingArray"/>;
    /// 0 when there was none or it is unrelated). Keeps <see cref="Worker.ValidDepth"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForEachTerm<TRows>(SparseGrid t, SampleActiveFunctions table, int s, int sharedDepth, Worker wk, ref TRows rows)
        where TRows : struct, ITermRows
    {
        int d = t.Dim;
        wk.ValidDepth = Math.Min(wk.ValidDepth, sharedDepth);
        rows.Keep(t, table, wk, wk.ValidDepth);
        // Choice is all zeros here: a new worker's is, and every walk below ends with the odometer back at zero.
        var choice = wk.Choice;
        if (!t.GlobalLevelSubspaces[s])
        {
            Terms(t, table, s, wk.ValidDepth, wk);
            wk.ValidDepth = d;
            rows.Run(t, table, wk);
            return;
        }
        // The number of active functions of a level is the same for every sample (Basis1D.Active).
        for (int j = 0; j < d; j++) wk.Limit[j] = table.Count[(long)t.LevelEntries[s * d + j] * table.N];
        do
        {
            rows.Keep(t, table, wk, 0);
            Terms(t, table, s, 0, wk);
            rows.Run(t, table, wk);
        }
        while (Odometer.Next(choice, wk.Limit));
        wk.ValidDepth = 0;
    }

    /// <summary>
    /// Point index (worker Index) and weight (depth d of PartialWeight) of the term of subspace s with the worker's
    /// Choice of active functions for every sample. PartialIndex / PartialWeight hold (d + 1, n) partial sums and
    /// products over the leading dimensions 0, 1, ...: depth k covers dimensions 0 .. k-1; depths 0 .. from are kept.
    /// Vectorised over the batch in 512-bit vectors where the CPU has them (the tables are sample-fastest and
    /// contiguous, so wider is simply fewer instructions), else Vector&lt;T&gt;.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Terms(SparseGrid t, SampleActiveFunctions table, int s, int from, Worker wk)
    {
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            Terms<Index512, Vector512<int>, Lanes512, Vector512<T>>(t, table, s, from, wk);
        else
            Terms<IndexNative, Vector<int>, LanesNative, Vector<T>>(t, table, s, from, wk);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Terms<TI, TVI, TW, TVW>(SparseGrid t, SampleActiveFunctions table, int s, int from, Worker wk)
        where TI : struct, IVectorOps<int, TVI> where TVI : struct where TW : struct, ILanes<TVW> where TVW : struct
    {
        int d = t.Dim, n = table.N, width = ActiveFunctions.Width;
        bool partial = t.PartialSubspaces[s];
        int* pos = table.Pos, pi = wk.PartialIndex;
        T* val = table.Val, pw = wk.PartialWeight;
        long[] nodeEntry = wk.NodeEntry;
        if (from == 0)
        {
            new Span<int>(pi, n).Clear();
            new Span<T>(pw, n).Fill(T.One);
        }
        if (from >= d) return;
        int lastDim = d - 1;
        int[] levelEntries = t.LevelEntries, strides = t.Strides, choice = wk.Choice;
        int row = s * d;
        for (int k = from; k < lastDim; k++)
        {
            long entry = (long)(levelEntries[row + k] * width + choice[k]) * n;
            nodeEntry[k] = entry;
            long at = (long)k * n;
            Step<TI, TVI, TW, TVW>(pi + at, pos + entry, strides[row + k], 0, pi + at + n, pw + at, val + entry, pw + at + n, n);
        }
        {
            long entry = (long)(levelEntries[row + lastDim] * width + choice[lastDim]) * n;
            nodeEntry[lastDim] = entry;
            long at = (long)lastDim * n;
            // The last dimension writes the point rows and weights straight into the term's rows (depth d is never
            // shared with the next subspace); a partial subspace keeps local indices for its lookup. Written apart from
            // the loop: the loop choosing targets per dimension was 0.3-0.6 % slower a step (in-process pairs).
            Step<TI, TVI, TW, TVW>(pi + at, pos + entry, strides[row + lastDim], partial ? 0 : t.PointOffsets[s], partial ? pi + at + n : wk.TermIndex,
                pw + at, val + entry, wk.TermWeight, n);
        }
        if (partial) PartialRows(t, s, pi + (long)d * n, wk.TermIndex, wk.TermWeight, wk, n);
    }

    /// <summary>
    /// One dimension of the term builder: i1[b] = i0[b] + p[b] stride + add and w1[b] = w0[b] v[b] for the n samples,
    /// in one loop where index and weight vectors have the same lanes (float32: a loop's overhead fewer per dimension
    /// and term, about 3 % of a one-thread pass at d = 8, n = 7), else one loop each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TI, TVI, TW, TVW>(int* i0, int* p, int stride, int add, int* i1, T* w0, T* v, T* w1, int n)
        where TI : struct, IVectorOps<int, TVI> where TVI : struct where TW : struct, ILanes<TVW> where TVW : struct
    {
        if (TI.Count != TW.Count || !Vector.IsHardwareAccelerated)
        {
            IndexStep<TI, TVI>(i0, p, stride, add, i1, n);
            WeightStep<TW, TVW>(w0, v, w1, n);
            return;
        }
        var vs = TI.Create(stride);
        var va = TI.Create(add);
        int b = 0;
        for (; b <= n - TI.Count; b += TI.Count)
        {
            TI.Store(TI.MulAdd(TI.Load(p + b), vs, TI.Add(TI.Load(i0 + b), va)), i1 + b);
            TW.Store(TW.Multiply(TW.Load(w0 + b), TW.Load(v + b)), w1 + b);
        }
        for (; b < n; b++)
        {
            i1[b] = i0[b] + p[b] * stride + add;
            w1[b] = w0[b] * v[b];
        }
    }

    /// <summary>i1[b] = i0[b] + p[b] stride + add for the n samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void IndexStep<TI, TV>(int* i0, int* p, int stride, int add, int* i1, int n) where TI : struct, IVectorOps<int, TV> where TV : struct
    {
        var vs = TI.Create(stride);
        var va = TI.Create(add);
        int b = 0, lanes = Vector.IsHardwareAccelerated ? TI.Count : int.MaxValue;   // software vectors: element by element
        for (; b <= n - lanes; b += lanes) TI.Store(TI.MulAdd(TI.Load(p + b), vs, TI.Add(TI.Load(i0 + b), va)), i1 + b);
        for (; b < n; b++) i1[b] = i0[b] + p[b] * stride + add;
    }

    /// <summary>w1[b] = w0[b] v[b] for the n samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightStep<TW, TV>(T* w0, T* v, T* w1, int n) where TW : struct, ILanes<TV> where TV : struct
    {
        int b = 0, lanes = Vector.IsHardwareAccelerated ? TW.Count : int.MaxValue;
        for (; b <= n - lanes; b += lanes) TW.Store(TW.Multiply(TW.Load(w0 + b), TW.Load(v + b)), w1 + b);
        for (; b < n; b++) w1[b] = w0[b] * v[b];
    }

    /// <summary>
    /// The lookup step of a partial subspace (spatially adaptive grids): local indices (n) -> coefficient rows through
    /// <see cref="SparseGrid.LocalsToRows"/>. An absent point gets weight 0 and the row of the subspace's first point
    /// (the block this thread owns, so the backward pass's zero write races with nobody) and is flagged in
    /// <see cref="Worker.Absent"/>, so the backward pass zeroes its q before the product rule.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PartialRows(SparseGrid t, int s, int* local, int* idx, T* w, Worker wk, int n)
    {
        var rows = new Span<int>(idx, n);
        new ReadOnlySpan<int>(local, n).CopyTo(rows);
        wk.HasAbsent = t.LocalsToRows(s, rows) > 0;
        if (!wk.HasAbsent) return;
        int first = t.PointOffsets[s];
        // Branch-free (which samples' points are absent is data dependent; the JIT keeps branches in loops):
        // absent is all ones for an absent point, else 0.
        for (int b = 0; b < n; b++)
        {
            int absent = idx[b] >> 31;
            wk.Absent[b] = absent != 0;
            idx[b] = (idx[b] & ~absent) | (first & absent);
            w[b] *= T.CreateTruncating(1 + absent);
        }
    }

    /// <summary>q_b = 0 for the samples whose point of the current term is absent (see <see cref="PartialRows"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ZeroAbsentQ(Worker wk, int n)
    {
        for (int b = 0; b < n; b++) if (wk.Absent[b]) wk.Q[b] = T.Zero;
    }

    /// <summary>What a pass does with one term once its point indices and weights are in the worker.</summary>
    private interface ITermRows
    {
        void Run(SparseGrid t, SampleActiveFunctions table, Worker wk);

        /// <summary>
        /// Called before the term builder overwrites the partial products deeper than <paramref name="depth"/> (the
        /// depths the next term shares with the last one are kept): the backward pass finishes its product rule for
        /// the deeper ones (<see cref="CloseNodes"/>).
        /// </summary>
        void Keep(SparseGrid t, SampleActiveFunctions table, Worker wk, int depth);
    }

    /// <summary>
    /// The forward pass's rows (a struct, so the JIT specialises <see cref="ForEachTerm"/> for it): a term's point
    /// indices and weights are kept in the worker's group (<see cref="Worker.GroupTerms"/>), and every
    /// <see cref="Worker.GroupTerms"/> terms their rows are added at once (<see cref="ForwardRows"/>); call
    /// <see cref="Flush"/> after the last term.
    /// </summary>
    private readonly struct ForwardTerm(T* c, long cLength, RowTiles rows) : ITermRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run(SparseGrid t, SampleActiveFunctions table, Worker wk)
        {
            // The term builder wrote this term into the group's next slot; the next term goes to the one after.
            if (++wk.GroupCount == Worker.GroupTerms) Flush(table.N, wk);
            else wk.AimAtGroupSlot(wk.GroupCount);
        }

        /// <summary>Nothing: the forward pass has no dL/dh.</summary>
        public void Keep(SparseGrid t, SampleActiveFunctions table, Worker wk, int depth) { }

        /// <summary>Adds the rows of the terms kept so far and aims the term builder at the group's first slot.</summary>
        public void Flush(int n, Worker wk)
        {
            if (wk.GroupCount > 0) ForwardRows(n, c, cLength, rows, wk);
            wk.GroupCount = 0;
            wk.AimAtGroupSlot(0);
        }
    }

    /// <summary>The backward pass's rows and, if dL/dh is wanted, its product rule.</summary>
    private readonly struct BackwardTerm(T* c, long cLength, T* g, T* gc, bool padded, long blockEnd, bool needH, RowTiles rows, int subspace) : ITermRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run(SparseGrid t, SampleActiveFunctions table, Worker wk)
        {
            BackwardRows(table.N, c, cLength, g, gc, padded, blockEnd, needH, rows, wk);
            if (needH && t.PartialSubspaces[subspace] && wk.HasAbsent) ZeroAbsentQ(wk, table.N);
            wk.PendingTerm = needH;   // its product rule runs when its nodes are closed (Keep)
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Keep(SparseGrid t, SampleActiveFunctions table, Worker wk, int depth)
        {
            if (wk.PendingTerm) CloseNodes(t.Dim, table, wk, depth, rows.BatchVectorized);
        }
    }

    /// <summary>
    /// Forward rows of the worker's group of terms: acc[b] += w_gb C[idx_gb] for every sample b and term g in order
    /// (acc with the padded stride). Per sample and tile the accumulator stays in a register over the group instead of
    /// a load and a store per term (the C speed-of-light <c>bench/speed-of-light/fused-step.c</c>: about a fifth of the
    /// forward pass); the additions per element run in the same order as term by term, so the results are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows(int n, T* c, long cLength, RowTiles rows, Worker wk)
    {
        if (rows.Wide) ForwardRows<Lanes512, Vector512<T>>(n, c, cLength, rows, wk);
        else ForwardRows<LanesNative, Vector<T>>(n, c, cLength, rows, wk);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<TL, TV>(int n, T* c, long cLength, RowTiles rows, Worker wk)
        where TL : struct, ILanes<TV> where TV : struct
    {
        switch (rows.Tiles)
        {
            case 1: ForwardRows<OneTile, TL, TV>(n, c, cLength, rows, wk); break;
            case 2: ForwardRows<TwoTiles, TL, TV>(n, c, cLength, rows, wk); break;
            default: ForwardRows<AnyTiles, TL, TV>(n, c, cLength, rows, wk); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<TTiles, TL, TV>(int n, T* c, long cLength, RowTiles rows, Worker wk)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct
    {
        int o = rows.O, stride = rows.Stride, terms = wk.GroupCount, last = rows.LastTile<TTiles, TL, TV>(), slots = wk.SlotStride;
        // Masked tails never read past a row; whole tails only where the coefficient buffer goes on (RowTiles).
        long lastFullRead = !rows.Vectorized ? -1 : TL.MaskedTail ? long.MaxValue : cLength - stride;
        var mask = TL.TailMask(rows.Tail);
        int* idx = wk.GroupIndex;
        T* acc = wk.Acc.Data, w = wk.GroupWeight;
        if (TL.MaskedTail && TTiles.Value == 1 && terms == Worker.GroupTerms)
        {
            // The fixed slot stride as a constant: the inlined loop then reads every slot at a constant offset from
            // one register, where eight offsets in registers spilled six of them (forward 4-8 % faster).
            if (slots == Worker.FixedSlotStride) FullGroupOneTile<TL, TV>(n, c, o, stride, idx, w, acc, mask, Worker.FixedSlotStride);
            else FullGroupOneTile<TL, TV>(n, c, o, stride, idx, w, acc, mask, slots);
            return;
        }
        for (int b = 0; b < n; b++)
        {
            T* a = acc + (long)b * stride;
            if (!TL.MaskedTail && !AllRowsWhole(idx + b, slots, terms, o, lastFullRead))
            {
                for (int g = 0; g < terms; g++)
                {
                    long row = (long)idx[g * slots + b] * o;
                    if (row <= lastFullRead) AddScaledTiles<TTiles, TL, TV, No, Yes>(rows, w[g * slots + b], c + row, a, mask);
                    else AddScaled(w[g * slots + b], c + row, a, o);
                }
                continue;
            }
            for (int k = 0; k < last; k += TL.Count)
            {
                var sum = TL.Load(a + k);
                for (int g = 0; g < terms; g++)
                    sum = TL.MulAdd(TL.Create(w[g * slots + b]), TL.Load(c + (long)idx[g * slots + b] * o + k), sum);
                TL.Store(sum, a + k);
            }
            var tail = TL.Load(a + last);
            for (int g = 0; g < terms; g++)
                tail = TL.MulAdd(TL.Create(w[g * slots + b]), TL.LoadTail(c + (long)idx[g * slots + b] * o + last, mask), tail);
            TL.Store(tail, a + last);
        }
    }

    /// <summary>
    /// <see cref="ForwardRows"/> for the common case written out: a full group, rows of one masked tile (o up to 16
    /// floats with AVX-512), slots <paramref name="slots"/> elements apart. The loop over the group's terms unrolled
    /// is four instructions a term (index, multiply by o, masked load, FMA with the weight broadcast from memory) when
    /// the slot offsets are constants; the generic loop recomputed g n and carried a counter, about thirteen.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FullGroupOneTile<TL, TV>(int n, T* c, int o, int stride, int* idx, T* w, T* acc, TV mask, int slots)
        where TL : struct, ILanes<TV> where TV : struct
    {
        const int G = Worker.GroupTerms;
        long n1 = slots, n2 = 2L * slots, n3 = 3L * slots, n4 = 4L * slots, n5 = 5L * slots, n6 = 6L * slots, n7 = 7L * slots;
        if (G != 8) throw new InvalidOperationException("FullGroupOneTile is written out for groups of 8.");
        for (int b = 0; b < n; b++)
        {
            T* a = acc + (long)b * stride;
            int* i = idx + b;
            T* v = w + b;
            var sum = TL.Load(a);
            sum = TL.MulAdd(TL.Create(v[0]), TL.LoadTail(c + (long)i[0] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n1]), TL.LoadTail(c + (long)i[n1] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n2]), TL.LoadTail(c + (long)i[n2] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n3]), TL.LoadTail(c + (long)i[n3] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n4]), TL.LoadTail(c + (long)i[n4] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n5]), TL.LoadTail(c + (long)i[n5] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n6]), TL.LoadTail(c + (long)i[n6] * o, mask), sum);
            sum = TL.MulAdd(TL.Create(v[n7]), TL.LoadTail(c + (long)i[n7] * o, mask), sum);
            TL.Store(sum, a);
        }
    }

    /// <summary>True if every row of sample b's terms (idx[g slots], g &lt; terms) can be read in whole tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllRowsWhole(int* idx, int slots, int terms, int o, long lastFullRead)
    {
        for (int g = 0; g < terms; g++)
            if ((long)idx[g * slots] * o > lastFullRead) return false;
        return true;
    }

    /// <summary>
    /// Backward rows of one term: dL/dC[idx_b] += w_b g[b] (if gc is non-null) and q_b = g[b] . C[idx_b] (if needQ);
    /// g has the padded stride with zero padding, blockEnd is the element after the subspace's dL/dC block. With
    /// <paramref name="padded"/> gc is a worker's <see cref="GradientBlock"/> (row p at gc + p stride, whole tiles).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows(int n, T* c, long cLength, T* g, T* gc, bool padded, long blockEnd, bool needQ, RowTiles rows, Worker wk)
    {
        if (rows.Wide) BackwardRows<Lanes512, Vector512<T>>(n, c, cLength, g, gc, padded, blockEnd, needQ, rows, wk);
        else BackwardRows<LanesNative, Vector<T>>(n, c, cLength, g, gc, padded, blockEnd, needQ, rows, wk);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows<TL, TV>(int n, T* c, long cLength, T* g, T* gc, bool padded, long blockEnd, bool needQ, RowTiles rows, Worker wk)
        where TL : struct, ILanes<TV> where TV : struct
    {
        switch (rows.Tiles)
        {
            case 1: BackwardRows<OneTile, TL, TV>(n, c, cLength, g, gc, padded, blockEnd, needQ, rows, wk); break;
            case 2: BackwardRows<TwoTiles, TL, TV>(n, c, cLength, g, gc, padded, blockEnd, needQ, rows, wk); break;
            default: BackwardRows<AnyTiles, TL, TV>(n, c, cLength, g, gc, padded, blockEnd, needQ, rows, wk); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRows<TTiles, TL, TV>(int n, T* c, long cLength, T* g, T* gc, bool padded, long blockEnd, bool needQ, RowTiles rows, Worker wk)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct
    {
        int o = rows.O, stride = rows.Stride;
        int* idx = wk.TermIndex;
        T* w = wk.TermWeight, q = wk.Q;
        if (rows.Vectorized)
        {
            long lastFullRead = TL.MaskedTail ? long.MaxValue : cLength - stride, lastFullWrite = TL.MaskedTail ? long.MaxValue : blockEnd - stride;
            var frame = new BackwardFrame(idx, w, c, g, gc, q, lastFullRead, lastFullWrite);
            if (gc == null) BackwardVectorRows<TTiles, TL, TV, NoGradient>(n, frame, rows, needQ, wk.Prefetch);
            else if (padded) BackwardVectorRows<TTiles, TL, TV, PaddedGradient>(n, frame, rows, needQ, wk.Prefetch);
            else BackwardVectorRows<TTiles, TL, TV, DirectGradient>(n, frame, rows, needQ, wk.Prefetch);
            if (wk.MassUnits != null) AddMassUnits(n, idx, w, wk.MassUnits, wk.TermMassUnits, rows.BatchVectorized);
            return;
        }
        long* mass = wk.MassUnits, units = wk.TermMassUnits;
        if (mass != null) TermMassUnits(n, w, units, rows.BatchVectorized);
        for (int b = 0; b < n; b++)
        {
            long row = (long)idx[b] * o;
            T* gRow = g + (long)b * stride;
            if (gc != null) AddScaled(w[b], gRow, gc + row, o);
            if (mass != null) mass[idx[b]] += units[b];
            if (needQ) q[b] = Dot(gRow, c + row, o);
            if ((b & (SpreadPrefetch.Samples - 1)) == 0) wk.Prefetch.Step();
        }
    }

    /// <summary>The <see cref="DataMass"/> units of a weight (float32 arithmetic for float32: the same result, one conversion fewer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long MassUnitsOf(T w) =>
        typeof(T) == typeof(float) ? DataMass.Units(Unsafe.As<T, float>(ref w)) : DataMass.Units(double.CreateTruncating(w));

    /// <summary>mass[idx_b] += the <see cref="DataMass.Units(double)"/> of w_b for the n samples of a term (vector rows' pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddMassUnits(int n, int* idx, T* w, long* mass, long* units, bool vectorize)
    {
        TermMassUnits(n, w, units, vectorize);
        for (int b = 0; b < n; b++) mass[idx[b]] += units[b];
    }

    /// <summary>
    /// units_b = the <see cref="DataMass"/> units of w_b for the n samples of a term, in vectors: scaling by 2^30 and
    /// rounding up are exact in T (see <see cref="DataMass.Units(float)"/>), and so are widening to double and the
    /// conversion of an integer-valued double below 2^62, so the units are those of the scalar conversion. Why in
    /// vectors: converted one sample at a time beside the row update, mass gathering added 2.5-2.8 us to a swiss roll
    /// backward pass of about 34 us during point refinement's training; converted here first, 2.0-2.4 us.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TermMassUnits(int n, T* w, long* units, bool vectorize)
    {
        int b = 0;
        if (vectorize && Vector.IsHardwareAccelerated)
        {
            if (typeof(T) == typeof(float))
            {
                var scale = new Vector<float>((float)DataMass.UnitsPerOne);
                for (; b <= n - Vector<float>.Count; b += Vector<float>.Count)
                {
                    var scaled = Vector.Ceiling(Vector.Load((float*)w + b) * scale);
                    Vector.Widen(scaled, out var low, out var high);
                    Vector.ConvertToInt64(low).Store(units + b);
                    Vector.ConvertToInt64(high).Store(units + b + Vector<double>.Count);
                }
            }
            else
            {
                var scale = new Vector<double>(DataMass.UnitsPerOne);
                for (; b <= n - Vector<double>.Count; b += Vector<double>.Count)
                    Vector.ConvertToInt64(Vector.Ceiling(Vector.Load((double*)w + b) * scale)).Store(units + b);
            }
        }
        for (; b < n; b++) units[b] = MassUnitsOf(w[b]);
    }

    /// <summary>The pointers and read/write limits of one term's backward rows (see <see cref="BackwardRows"/>).</summary>
    private readonly struct BackwardFrame(int* idx, T* w, T* c, T* g, T* gc, T* q, long lastFullRead, long lastFullWrite)
    {
        public readonly int* Idx = idx;
        public readonly T* W = w, C = c, G = g, Gc = gc, Q = q;
        public readonly long LastFullRead = lastFullRead, LastFullWrite = lastFullWrite;
    }

    /// <summary>
    /// The backward rows in vector tiles, in blocks of <see cref="LaneSums.Samples"/> samples where q is wanted: per
    /// sample dL/dC[idx_b] += w_b g[b] (if TGc) and the lane-wise products g[b] * C[idx_b] folded to one 256-bit
    /// vector, then the block's dot products q_b by one transposing reduction (<see cref="LaneSums"/>) instead of a
    /// horizontal sum per sample. The tail of fewer than a block (and every sample without LaneSums) one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardVectorRows<TTiles, TL, TV, TGc>(int n, BackwardFrame f, RowTiles rows, bool needQ, SpreadPrefetch prefetch)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct where TGc : struct, IGradientTarget
    {
        int b = 0;
        long stride = rows.StrideOf<TTiles, TL, TV>();
        var mask = TL.TailMask(rows.Tail);
        if (needQ && LaneSums.IsSupported)
        {
            if (LaneSums.Samples == 8)
            {
                for (; b <= n - 8; b += 8)
                {
                    // Pointers to the block's first sample, so each sample's index, weight and upstream row are one
                    // load at a constant offset (the JIT does not fold b + u into the addressing itself).
                    int* i = f.Idx + b;
                    T* w = f.W + b, g = f.G + b * stride;
                    var p0 = BackwardSample<TTiles, TL, TV, TGc>(i[0], w[0], g + 0 * stride, f, rows, mask);
                    var p1 = BackwardSample<TTiles, TL, TV, TGc>(i[1], w[1], g + 1 * stride, f, rows, mask);
                    var p2 = BackwardSample<TTiles, TL, TV, TGc>(i[2], w[2], g + 2 * stride, f, rows, mask);
                    var p3 = BackwardSample<TTiles, TL, TV, TGc>(i[3], w[3], g + 3 * stride, f, rows, mask);
                    var p4 = BackwardSample<TTiles, TL, TV, TGc>(i[4], w[4], g + 4 * stride, f, rows, mask);
                    var p5 = BackwardSample<TTiles, TL, TV, TGc>(i[5], w[5], g + 5 * stride, f, rows, mask);
                    var p6 = BackwardSample<TTiles, TL, TV, TGc>(i[6], w[6], g + 6 * stride, f, rows, mask);
                    var p7 = BackwardSample<TTiles, TL, TV, TGc>(i[7], w[7], g + 7 * stride, f, rows, mask);
                    LaneSums.Reduce(p0, p1, p2, p3, p4, p5, p6, p7).Store(f.Q + b);
                    prefetch.Step();
                }
            }
            else
            {
                for (; b <= n - 4; b += 4)
                {
                    int* i = f.Idx + b;
                    T* w = f.W + b, g = f.G + b * stride;
                    var p0 = BackwardSample<TTiles, TL, TV, TGc>(i[0], w[0], g + 0 * stride, f, rows, mask);
                    var p1 = BackwardSample<TTiles, TL, TV, TGc>(i[1], w[1], g + 1 * stride, f, rows, mask);
                    var p2 = BackwardSample<TTiles, TL, TV, TGc>(i[2], w[2], g + 2 * stride, f, rows, mask);
                    var p3 = BackwardSample<TTiles, TL, TV, TGc>(i[3], w[3], g + 3 * stride, f, rows, mask);
                    LaneSums.Reduce(p0, p1, p2, p3).Store(f.Q + b);
                    if ((b & (SpreadPrefetch.Samples - 1)) == 0) prefetch.Step();
                }
            }
        }
        for (; b < n; b++)
        {
            var p = BackwardSample<TTiles, TL, TV, TGc>(f.Idx[b], f.W[b], f.G + b * stride, f, rows, mask);
            if (needQ) f.Q[b] = Vector256.Sum(p);
            if ((b & (SpreadPrefetch.Samples - 1)) == 0) prefetch.Step();
        }
    }

    /// <summary>
    /// One sample of <see cref="BackwardVectorRows"/>: the dL/dC row update and the products g[b] * C[idx_b] folded
    /// into a 256-bit vector whose lanes sum to q_b (for a row near the end of a buffer: q_b in lane 0, element-wise).
    /// With masked tails there is no such row, and the JIT drops the check and the out-of-line call (whose vector
    /// spills around the unrolled block would otherwise cost more than the rows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> BackwardSample<TTiles, TL, TV, TGc>(long point, T weight, T* gRow, in BackwardFrame f, in RowTiles rows, TV mask)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct where TGc : struct, IGradientTarget
    {
        long row = point * rows.O;
        T* gcRow = TGc.Padded ? f.Gc + point * rows.StrideOf<TTiles, TL, TV>() : f.Gc + row;
        if (TL.MaskedTail || (row <= f.LastFullRead && (!TGc.Write || TGc.Padded || row <= f.LastFullWrite)))
            return TL.Fold(UpdateAndMultiplyTiles<TTiles, TL, TV, TGc>(rows, weight, gRow, gcRow, f.C + row, mask));
        return BackwardSampleNearEnd<TTiles, TL, TV, TGc>(weight, row, gRow, gcRow, f, rows, mask);
    }

    /// <summary>
    /// <see cref="BackwardSample"/> for a row whose whole tiles would reach past the end of the coefficients or of
    /// the subspace's dL/dC block: element-wise where needed. Rare, so kept out of the unrolled block loop (whose
    /// inlining budget it would otherwise use up).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<T> BackwardSampleNearEnd<TTiles, TL, TV, TGc>(T weight, long row, T* gRow, T* gcRow, in BackwardFrame f, in RowTiles rows, TV mask)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct where TGc : struct, IGradientTarget
    {
        int o = rows.O;
        if (TGc.Write)
        {
            if (TGc.Padded) AddScaledTiles<TTiles, TL, TV, Yes, Yes>(rows, weight, gRow, gcRow, mask);
            else if (row <= f.LastFullWrite) AddScaledTiles<TTiles, TL, TV, Yes, No>(rows, weight, gRow, gcRow, mask);
            else AddScaled(weight, gRow, gcRow, o);
        }
        return row <= f.LastFullRead
            ? TL.Fold(UpdateAndMultiplyTiles<TTiles, TL, TV, NoGradient>(rows, T.Zero, gRow, null, f.C + row, mask))
            : Vector256.CreateScalar(Dot(gRow, f.C + row, o));
    }
}
