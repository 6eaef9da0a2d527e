using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The fused CPU kernel of the sparse grid layer (thesis Eq. 3.3, 3.5, 3.6) on raw contiguous row-major buffers.
/// </summary>
/// <remarks>
/// First the active one-dimensional functions of every sample, dimension and level are tabulated
/// (<see cref="ActiveFunctions"/> semantics, sample index fastest, O(batch d L)). Both passes then run subspace-major in <see cref="SparseGrid.VisitOrder"/> and in parallel over subspace ranges:
/// a subspace's coefficient rows are one contiguous block, so all samples of a batch hit it while it is in cache.
/// Forward: out[b] += prod_j phi_j(h_bj) C[idx] into per-thread (batch, outputs) buffers. Backward in one pass:
/// dL/dC by direct writes (subspaces own disjoint point ranges, so no two threads touch the same row: no atomics, no
/// per-thread coefficient buffers) and dL/dh into per-thread (d, batch) buffers by the product rule with prefix and
/// suffix products (no division). Boundary levels (several actives) enumerate the tensor product of their actives.
/// </remarks>
internal static unsafe class FusedKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>out (n, o) = sum over subspaces of the active terms; h (n, d), c (points, o). Overwrites out.</summary>
    public static void Forward(SparseGrid t, nint h, nint c, nint output, int n, int o, int threads)
    {
        using var table = new SampleActiveFunctions(t, h, n, threads);
        var result = new Span<T>((T*)output, n * o);
        result.Clear();
        int chunks = Math.Min(t.SubspaceCount, threads * 8);
        using var sums = new ChunkSums(chunks, threads, checked(n * o));
        ParallelChunks.For(chunks, threads, () => new Worker(t.Dim, n, checked(n * o)), (chunk, wk) =>
        {
            var (s0, s1) = ParallelChunks.Range(chunk, chunks, t.SubspaceCount);
            for (int i = s0; i < s1; i++) ForwardSubspace(t, table, i, i == s0 ? 0 : t.SharedTrailingArray[i], (T*)c, o, wk);
            sums.EndChunk(chunk, wk.Acc);
        }, wk =>
        {
            sums.EndWorker(wk.Acc);
            wk.Dispose();
        });
        T* r = (T*)output;
        foreach (var part in sums.InOrder())
            for (int i = 0; i < n * o; i++) r[i] += part[i];
    }

    /// <summary>
    /// Gradients for upstream g (n, o): gh (n, d) if non-zero (must be zero-filled), gc (points, o) if non-zero (need not
    /// be initialised: each subspace's block is cleared by the thread that owns it, so no separate parallel zero fill).
    /// </summary>
    public static void Backward(SparseGrid t, nint h, nint c, nint g, nint gh, nint gc, int n, int o, int threads)
    {
        using var table = new SampleActiveFunctions(t, h, n, threads);
        int d = t.Dim;
        int chunks = Math.Min(t.SubspaceCount, threads * 8);
        using var sums = new ChunkSums(chunks, threads, gh == 0 ? 0 : n * d);
        ParallelChunks.For(chunks, threads, () => new Worker(d, n, gh == 0 ? 0 : n * d), (chunk, wk) =>
        {
            var (s0, s1) = ParallelChunks.Range(chunk, chunks, t.SubspaceCount);
            for (int i = s0; i < s1; i++) BackwardSubspace(t, table, i, i == s0 ? 0 : t.SharedTrailingArray[i], (T*)c, (T*)g, (T*)gc, gh != 0, o, wk);
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
    public static long ScratchBytes(SparseGrid t, int n, int o, int threads) =>
        (long)n * t.Dim * t.LevelCount * (1 + ActiveFunctions.Width * (sizeof(int) + 2 * sizeof(T)))
        + (long)threads * ((long)n * Math.Max(o, t.Dim) * sizeof(T) + (long)n * (2 * t.Dim + 4) * sizeof(T) + n * sizeof(int));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardSubspace(SparseGrid t, SampleActiveFunctions table, int i, int shared, T* c, int o, Worker wk)
    {
        int d = t.Dim, n = table.N, s = t.VisitOrderArray[i];
        int[] offsets = t.PointOffsets;
        fixed (int* slots = t.LevelEntries) fixed (int* strides = t.Strides) fixed (int* pos = table.Pos) fixed (T* val = table.Val)
        fixed (byte* cnt = table.Count) fixed (int* idx = wk.Index) fixed (T* acc = wk.Acc)
        {
            int* sl = slots + s * d, st = strides + s * d;
            if (!t.HasGlobalLevels)
            {
                fixed (int* pi = wk.PartialIndex) fixed (T* pw = wk.PartialWeight)
                    HatTerms(sl, st, offsets[s], shared, d, n, pos, val, pi, pw, idx);
                fixed (T* pw = wk.PartialWeight)
                    for (int b = 0; b < n; b++) Axpy(pw[(long)d * n + b], c + (long)idx[b] * o, acc + (long)b * o, o);
                return;
            }
            int* ch = stackalloc int[d];
            int* limit = stackalloc int[d];
            for (int b = 0; b < n; b++)
            {
                for (int j = 0; j < d; j++) { ch[j] = 0; limit[j] = cnt[(long)sl[j] * n + b]; }
                do
                {
                    int point = offsets[s];
                    T wt = T.One;
                    for (int j = 0; j < d; j++)
                    {
                        long a = (long)(sl[j] * ActiveFunctions.Width + ch[j]) * n + b;
                        point += pos[a] * st[j];
                        wt *= val[a];
                    }
                    Axpy(wt, c + (long)point * o, acc + (long)b * o, o);
                }
                while (Odometer.Next(new Span<int>(ch, d), new ReadOnlySpan<int>(limit, d)));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardSubspace(SparseGrid t, SampleActiveFunctions table, int i, int shared, T* c, T* g, T* gc, bool needH, int o, Worker wk)
    {
        int d = t.Dim, n = table.N, width = ActiveFunctions.Width, s = t.VisitOrderArray[i];
        int[] offsets = t.PointOffsets;
        fixed (int* slots = t.LevelEntries) fixed (int* strides = t.Strides) fixed (int* pos = table.Pos) fixed (T* val = table.Val)
        fixed (T* der = table.Der) fixed (byte* cnt = table.Count) fixed (int* idx = wk.Index) fixed (T* w = wk.Weight)
        fixed (T* acc = wk.Acc) fixed (T* q = wk.Q)
        {
            int* sl = slots + s * d, st = strides + s * d;
            if (gc != null) new Span<T>(gc + (long)offsets[s] * o, (offsets[s + 1] - offsets[s]) * o).Clear();
            if (!t.HasGlobalLevels)
            {
                fixed (int* pi = wk.PartialIndex) fixed (T* pw = wk.PartialWeight)
                {
                    HatTerms(sl, st, offsets[s], shared, d, n, pos, val, pi, pw, idx);
                    T* wd = pw + (long)d * n;
                    if (gc != null)
                        for (int b = 0; b < n; b++) Axpy(wd[b], g + (long)b * o, gc + (long)idx[b] * o, o);
                    if (!needH) return;
                    for (int b = 0; b < n; b++) q[b] = Dot(g + (long)b * o, c + (long)idx[b] * o, o);
                    // dL/dh_j += q * phi'_j * prod_{m<j} phi_m * prod_{m>j} phi_m: the running prefix in w, the trailing
                    // product from the shared partial products (depth d - 1 - j holds prod_{m>j}).
                    new Span<T>(w, n).Fill(T.One);
                    for (int j = 0; j < d; j++)
                    {
                        T* v = val + (long)sl[j] * width * n, dv = der + (long)sl[j] * width * n, a = acc + (long)j * n;
                        T* trailing = pw + (long)(d - 1 - j) * n;
                        int b = 0;
                        for (; b <= n - Vector<T>.Count; b += Vector<T>.Count)
                        {
                            var wb = Vector.Load(w + b);
                            Vector.Store(Vector.Load(a + b) + Vector.Load(q + b) * Vector.Load(dv + b) * wb * Vector.Load(trailing + b), a + b);
                            Vector.Store(wb * Vector.Load(v + b), w + b);
                        }
                        for (; b < n; b++)
                        {
                            a[b] += q[b] * dv[b] * w[b] * trailing[b];
                            w[b] *= v[b];
                        }
                    }
                }
                return;
            }
            int* ch = stackalloc int[d];
            int* limit = stackalloc int[d];
            T* vj = stackalloc T[d];
            T* dj = stackalloc T[d];
            T* pj = stackalloc T[d + 1];
            for (int b = 0; b < n; b++)
            {
                T* gRow = g + (long)b * o;
                for (int j = 0; j < d; j++) { ch[j] = 0; limit[j] = cnt[(long)sl[j] * n + b]; }
                do
                {
                    int point = offsets[s];
                    pj[0] = T.One;
                    for (int j = 0; j < d; j++)
                    {
                        long a = (long)(sl[j] * width + ch[j]) * n + b;
                        point += pos[a] * st[j];
                        vj[j] = val[a];
                        dj[j] = der[a];
                        pj[j + 1] = pj[j] * vj[j];
                    }
                    long row = (long)point * o;
                    if (gc != null) Axpy(pj[d], gRow, gc + row, o);
                    if (!needH) continue;
                    T qb = Dot(gRow, c + row, o), suffix = T.One;
                    for (int j = d - 1; j >= 0; j--)
                    {
                        acc[(long)j * n + b] += qb * dj[j] * pj[j] * suffix;
                        suffix *= vj[j];
                    }
                }
                while (Odometer.Next(new Span<int>(ch, d), new ReadOnlySpan<int>(limit, d)));
            }
        }
    }

    /// <summary>
    /// Hat grids: point index (into idx) and weight (depth d of pw) of the one active function of subspace s for every
    /// sample. pi/pw hold (d + 1, n) partial sums/products over the trailing dimensions d-1, d-2, ...: depth k covers
    /// k dimensions; depths 0 .. shared are still valid from the previous subspace in visiting order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HatTerms(int* sl, int* st, int offset, int shared, int d, int n, int* pos, T* val, int* pi, T* pw, int* idx)
    {
        int width = ActiveFunctions.Width;
        if (shared == 0)
        {
            new Span<int>(pi, n).Clear();
            new Span<T>(pw, n).Fill(T.One);
        }
        for (int k = shared; k < d; k++)
        {
            int j = d - 1 - k;
            int* p = pos + (long)sl[j] * width * n;
            T* v = val + (long)sl[j] * width * n;
            int* i0 = pi + (long)k * n, i1 = i0 + n;
            T* w0 = pw + (long)k * n, w1 = w0 + n;
            var vs = new Vector<int>(st[j]);
            int b = 0;
            for (; b <= n - Vector<int>.Count; b += Vector<int>.Count) Vector.Store(Vector.Load(i0 + b) + Vector.Load(p + b) * vs, i1 + b);
            for (; b < n; b++) i1[b] = i0[b] + p[b] * st[j];
            b = 0;
            for (; b <= n - Vector<T>.Count; b += Vector<T>.Count) Vector.Store(Vector.Load(w0 + b) * Vector.Load(v + b), w1 + b);
            for (; b < n; b++) w1[b] = w0[b] * v[b];
        }
        {
            int* id = pi + (long)d * n;
            var vo = new Vector<int>(offset);
            int b = 0;
            for (; b <= n - Vector<int>.Count; b += Vector<int>.Count) Vector.Store(Vector.Load(id + b) + vo, idx + b);
            for (; b < n; b++) idx[b] = id[b] + offset;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(T a, T* x, T* y, int o)
    {
        int k = 0;
        if (Vector<T>.IsSupported && o >= Vector<T>.Count)
        {
            var va = new Vector<T>(a);
            for (; k <= o - Vector<T>.Count; k += Vector<T>.Count)
                Vector.Store(Vector.Load(y + k) + va * Vector.Load(x + k), y + k);
        }
        for (; k < o; k++) y[k] += a * x[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot(T* x, T* y, int o)
    {
        int k = 0;
        T sum = T.Zero;
        if (o >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; k <= o - Vector<T>.Count; k += Vector<T>.Count) acc += Vector.Load(x + k) * Vector.Load(y + k);
            sum = Vector.Sum(acc);
        }
        for (; k < o; k++) sum += x[k] * y[k];
        return sum;
    }

    /// <summary>
    /// Active functions of all samples, sample index fastest: entry (e * Width + a) * n + b for e = j * L + level slot;
    /// Count[e * n + b] actives.
    /// </summary>
    private sealed class SampleActiveFunctions : IDisposable
    {
        public SampleActiveFunctions(SparseGrid t, nint h, int n, int threads)
        {
            N = n;
            int e = t.Dim * t.LevelCount, w = ActiveFunctions.Width;
            Count = ArrayPool<byte>.Shared.Rent(checked(e * n));
            Pos = ArrayPool<int>.Shared.Rent(checked(e * w * n));
            Val = ArrayPool<T>.Shared.Rent(checked(e * w * n));
            Der = ArrayPool<T>.Shared.Rent(checked(e * w * n));
            if (!t.HasGlobalLevels)
            {
                // One (dimension, level) row at a time: sample index fastest, no per-sample dispatch.
                ParallelChunks.For(e, threads, () => 0, (entry, _) => FillHatRow(t, entry, (T*)h, n), _ => { });
                return;
            }
            int chunks = Math.Min(n, threads * 4);
            ParallelChunks.For(chunks, threads, () => new ActiveFunctions(t), (chunk, active) =>
            {
                var (b0, b1) = ParallelChunks.Range(chunk, chunks, n);
                for (int b = b0; b < b1; b++)
                {
                    T* x = (T*)h + (long)b * t.Dim;
                    for (int j = 0; j < t.Dim; j++) active.FillDimension(j, double.CreateTruncating(x[j]), zeroDerivativeOutside: true);
                    for (int i = 0; i < e; i++)
                    {
                        int count = active.Counts[i];
                        Count[(long)i * n + b] = (byte)count;
                        for (int a = 0; a < count; a++)
                        {
                            long k = (long)(i * w + a) * n + b;
                            Pos[k] = active.Positions[i * w + a];
                            Val[k] = T.CreateTruncating(active.Values[i * w + a]);
                            Der[k] = T.CreateTruncating(active.Derivatives[i * w + a]);
                        }
                    }
                }
            }, _ => { });
        }

        /// <summary>
        /// Grids without global levels: one (dimension, level) row for every sample, sample index fastest, from
        /// <see cref="Basis1D.HatPiece"/>; coordinates outside [0, 1] are clamped and get derivative 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FillHatRow(SparseGrid t, int entry, T* h, int n)
        {
            int d = t.Dim, j = entry / t.LevelCount, l = entry % t.LevelCount + t.MinLevel;
            var type = t.Type;
            if (Basis1D.IsGlobalLevel(type, l)) return;   // a level no subspace of this grid uses
            long row = (long)entry * ActiveFunctions.Width * n;
            Array.Fill(Count, (byte)1, entry * n, n);
            fixed (int* pos = &Pos[row]) fixed (T* val = &Val[row]) fixed (T* der = &Der[row])
            {
                for (int b = 0; b < n; b++)
                {
                    double x = double.CreateTruncating(h[(long)b * d + j]), ds = 1;
                    if (x < 0) { x = 0; ds = 0; } else if (x > 1) { x = 1; ds = 0; }
                    var (k, v, dv) = Basis1D.HatPiece(type, l, x);
                    pos[b] = k;
                    val[b] = T.CreateTruncating(v);
                    der[b] = T.CreateTruncating(dv * ds);
                }
            }
        }

        public int N { get; }

        public void Dispose()
        {
            ArrayPool<byte>.Shared.Return(Count);
            ArrayPool<int>.Shared.Return(Pos);
            ArrayPool<T>.Shared.Return(Val);
            ArrayPool<T>.Shared.Return(Der);
        }

        public byte[] Count { get; }
        public int[] Pos { get; }
        public T[] Val { get; }
        public T[] Der { get; }
    }

    /// <summary>Per-thread buffers: accumulator (forward: (n, o); backward: dL/dh as (d, n)) and per-subspace terms.</summary>
    /// <summary>
    /// Per-thread partial sums added in a fixed order, so results do not depend on which thread ran which chunk.
    /// Serially (one thread) the single worker's sums are added once at the end; in parallel each chunk's sums are
    /// moved out of the worker when the chunk ends and added in chunk order (Parallel.For hands chunks to workers
    /// in whatever order they become free, and float addition is not associative).
    /// </summary>
    private sealed class ChunkSums : IDisposable
    {
        private readonly T[]?[] _perChunk;
        private readonly bool _parallel;
        private readonly int _length;
        private T[]? _serial;

        public ChunkSums(int chunks, int threads, int length)
        {
            _parallel = threads > 1 && chunks > 1;
            _perChunk = new T[]?[_parallel ? chunks : 0];
            _length = length;
        }

        /// <summary>In parallel: moves the worker's sums (length elements) into this chunk's slot and clears them.</summary>
        public void EndChunk(int chunk, T[] acc)
        {
            if (!_parallel || _length == 0) return;
            var mine = ArrayPool<T>.Shared.Rent(_length);
            Array.Copy(acc, mine, _length);
            Array.Clear(acc, 0, _length);
            _perChunk[chunk] = mine;
        }

        /// <summary>Serially: keeps the single worker's sums (ParallelChunks runs one worker then, so no lock).</summary>
        public void EndWorker(T[] acc)
        {
            if (_parallel || _length == 0) return;
            _serial = ArrayPool<T>.Shared.Rent(_length);
            Array.Copy(acc, _serial, _length);
        }

        /// <summary>The sums to add, chunks in index order (the serial worker's alone when serial).</summary>
        public IEnumerable<T[]> InOrder()
        {
            if (_serial != null) yield return _serial;
            foreach (var part in _perChunk)
                if (part != null) yield return part;
        }

        public void Dispose()
        {
            if (_serial != null) ArrayPool<T>.Shared.Return(_serial);
            foreach (var part in _perChunk)
                if (part != null) ArrayPool<T>.Shared.Return(part);
        }
    }

    private sealed class Worker : IDisposable
    {
        public Worker(int d, int n, int accLength)
        {
            Acc = ArrayPool<T>.Shared.Rent(accLength);
            Array.Clear(Acc, 0, accLength);
            AccLength = accLength;
            Index = ArrayPool<int>.Shared.Rent(n);
            Weight = ArrayPool<T>.Shared.Rent(n);
            Q = ArrayPool<T>.Shared.Rent(n);
            PartialIndex = ArrayPool<int>.Shared.Rent(checked((d + 1) * n));
            PartialWeight = ArrayPool<T>.Shared.Rent(checked((d + 1) * n));
        }

        public int[] PartialIndex { get; }
        public T[] PartialWeight { get; }

        public T[] Acc { get; }
        public int AccLength { get; }
        public int[] Index { get; }
        public T[] Weight { get; }
        public T[] Q { get; }

        public void Dispose()
        {
            ArrayPool<T>.Shared.Return(Acc);
            ArrayPool<int>.Shared.Return(Index);
            ArrayPool<T>.Shared.Return(Weight);
            ArrayPool<T>.Shared.Return(Q);
            ArrayPool<int>.Shared.Return(PartialIndex);
            ArrayPool<T>.Shared.Return(PartialWeight);
        }
    }
}
