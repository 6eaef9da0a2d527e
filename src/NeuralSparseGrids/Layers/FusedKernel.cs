using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The fused CPU kernel of the sparse grid layer (thesis Eq. 3.3, 3.5, 3.6) on raw contiguous row-major buffers.
/// Forward: per sample and subspace, the one active cell (the tensor product of the active one-dimensional functions,
/// more than one only on boundary levels): out[b] += prod_j phi_j(h_bj) C[idx]. Backward in one pass parallel over
/// subspace ranges: dL/dC by direct writes (subspaces own disjoint point ranges, so no two threads touch the same row,
/// no atomics, no per-thread coefficient buffers) and dL/dh into per-thread (batch, d) buffers, with the product rule
/// by prefix and suffix products (no division).
/// </summary>
internal static unsafe class FusedKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>out (n, o) = sum over subspaces of the active terms; h (n, d), c (points, o). Overwrites out.</summary>
    public static void Forward(GridTables t, nint h, nint c, nint output, int n, int o, int threads)
    {
        int e = t.Dim * t.LevelCount;
        int chunks = Math.Min(n, threads * 4);
        For(chunks, threads, () => new Sample(e), (chunk, s) =>
        {
            var (b0, b1) = Range(chunk, chunks, n);
            for (int b = b0; b < b1; b++)
            {
                T* x = (T*)h + (long)b * t.Dim;
                for (int j = 0; j < t.Dim; j++) ActiveTable.Fill(t, j, x[j], s.Count, s.Pos, s.Val, s.Der);
                T* row = (T*)output + (long)b * o;
                new Span<T>(row, o).Clear();
                fixed (byte* cnt = s.Count) fixed (int* pos = s.Pos) fixed (T* val = s.Val)
                    ForwardSample(t, cnt, pos, val, (T*)c, row, o);
            }
        }, null);
    }

    /// <summary>
    /// Gradients for upstream g (n, o): gh (n, d) if non-zero, gc (points, o) if non-zero. Both must be zero-filled.
    /// </summary>
    public static void Backward(GridTables t, nint h, nint c, nint g, nint gh, nint gc, int n, int o, int threads)
    {
        int d = t.Dim, e = d * t.LevelCount, w = ActiveTable.Width;
        var count = new byte[(long)n * e];
        var pos = new int[(long)n * e * w];
        var val = new T[(long)n * e * w];
        var der = new T[(long)n * e * w];
        int fillChunks = Math.Min(n, threads * 4);
        For(fillChunks, threads, () => 0, (chunk, _) =>
        {
            var (b0, b1) = Range(chunk, fillChunks, n);
            for (int b = b0; b < b1; b++)
            {
                T* x = (T*)h + (long)b * d;
                for (int j = 0; j < d; j++)
                    ActiveTable.Fill(t, j, x[j], count.AsSpan(b * e, e), pos.AsSpan(b * e * w, e * w), val.AsSpan(b * e * w, e * w), der.AsSpan(b * e * w, e * w));
            }
        }, null);

        var gradH = (T*)gh;
        int chunks = Math.Min(t.Subspaces, threads * 8);
        object gate = new();
        For(chunks, threads, () => new T[gh == 0 ? 0 : n * d], (chunk, local) =>
        {
            var (s0, s1) = Range(chunk, chunks, t.Subspaces);
            fixed (byte* cnt = count) fixed (int* p = pos) fixed (T* v = val) fixed (T* dv = der) fixed (T* dh = local)
                BackwardSubspaces(t, s0, s1, n, o, cnt, p, v, dv, (T*)c, (T*)g, gh == 0 ? null : dh, (T*)gc);
        }, local =>
        {
            if (gh == 0) return;
            lock (gate) for (int i = 0; i < local.Length; i++) gradH[i] += local[i];
        });
    }

    /// <summary>Bytes of scratch the backward allocates besides its outputs (for the memory report).</summary>
    public static long BackwardScratchBytes(GridTables t, int n, int threads) =>
        (long)n * t.Dim * t.LevelCount * (1 + ActiveTable.Width * (sizeof(int) + 2 * sizeof(T))) + (long)threads * n * t.Dim * sizeof(T);

    private static void ForwardSample(GridTables t, byte* cnt, int* pos, T* val, T* c, T* row, int o)
    {
        int d = t.Dim;
        fixed (int* slots = t.Slots) fixed (int* strides = t.Strides) fixed (int* offsets = t.Offsets)
        {
            int* ch = stackalloc int[d];
            for (int s = 0; s < t.Subspaces; s++)
            {
                int* sl = slots + s * d, st = strides + s * d;
                if (t.HatOnly)
                {
                    int idx = offsets[s];
                    T wt = T.One;
                    for (int j = 0; j < d; j++)
                    {
                        int a = sl[j] * ActiveTable.Width;
                        idx += pos[a] * st[j];
                        wt *= val[a];
                    }
                    Axpy(wt, c + (long)idx * o, row, o);
                    continue;
                }
                for (int j = 0; j < d; j++) ch[j] = 0;
                while (true)
                {
                    int idx = offsets[s];
                    T wt = T.One;
                    for (int j = 0; j < d; j++)
                    {
                        int a = sl[j] * ActiveTable.Width + ch[j];
                        idx += pos[a] * st[j];
                        wt *= val[a];
                    }
                    Axpy(wt, c + (long)idx * o, row, o);
                    if (!Advance(ch, sl, cnt, d)) break;
                }
            }
        }
    }

    private static void BackwardSubspaces(GridTables t, int s0, int s1, int n, int o, byte* cnt, int* pos, T* val, T* der,
        T* c, T* g, T* dh, T* gc)
    {
        int d = t.Dim, e = d * t.LevelCount, w = ActiveTable.Width;
        int* ch = stackalloc int[d];
        T* v = stackalloc T[d];
        T* dv = stackalloc T[d];
        T* pre = stackalloc T[d + 1];
        fixed (int* slots = t.Slots) fixed (int* strides = t.Strides) fixed (int* offsets = t.Offsets)
        {
            for (int s = s0; s < s1; s++)
            {
                int* sl = slots + s * d, st = strides + s * d;
                for (int b = 0; b < n; b++)
                {
                    byte* cb = cnt + (long)b * e;
                    int* pb = pos + (long)b * e * w;
                    T* vb = val + (long)b * e * w, db = der + (long)b * e * w;
                    T* gRow = g + (long)b * o;
                    for (int j = 0; j < d; j++) ch[j] = 0;
                    while (true)
                    {
                        int idx = offsets[s];
                        for (int j = 0; j < d; j++)
                        {
                            int a = sl[j] * w + ch[j];
                            idx += pb[a] * st[j];
                            v[j] = vb[a];
                            dv[j] = db[a];
                        }
                        pre[0] = T.One;
                        for (int j = 0; j < d; j++) pre[j + 1] = pre[j] * v[j];
                        long row = (long)idx * o;
                        if (gc != null) Axpy(pre[d], gRow, gc + row, o);
                        if (dh != null)
                        {
                            T q = Dot(gRow, c + row, o);
                            T suffix = T.One;
                            T* dhb = dh + (long)b * d;
                            for (int j = d - 1; j >= 0; j--)
                            {
                                dhb[j] += q * dv[j] * pre[j] * suffix;
                                suffix *= v[j];
                            }
                        }
                        if (t.HatOnly || !Advance(ch, sl, cb, d)) break;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Advance(int* ch, int* sl, byte* cnt, int d)
    {
        for (int j = d - 1; j >= 0; j--)
        {
            if (++ch[j] < cnt[sl[j]]) return true;
            ch[j] = 0;
        }
        return false;
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
        T sum = T.Zero;
        for (int k = 0; k < o; k++) sum += x[k] * y[k];
        return sum;
    }

    private static (int start, int end) Range(int chunk, int chunks, int total) =>
        ((int)((long)total * chunk / chunks), (int)((long)total * (chunk + 1) / chunks));

    private static void For<TLocal>(int chunks, int threads, Func<TLocal> init, Action<int, TLocal> body, Action<TLocal>? finish)
    {
        if (chunks <= 0) return;
        if (threads <= 1 || chunks == 1)
        {
            var local = init();
            for (int i = 0; i < chunks; i++) body(i, local);
            finish?.Invoke(local);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, init,
            (i, _, local) => { body(i, local); return local; }, local => finish?.Invoke(local));
    }

    /// <summary>Per-worker table of the active functions of one sample.</summary>
    private sealed class Sample(int entries)
    {
        public byte[] Count { get; } = new byte[entries];
        public int[] Pos { get; } = new int[entries * ActiveTable.Width];
        public T[] Val { get; } = new T[entries * ActiveTable.Width];
        public T[] Der { get; } = new T[entries * ActiveTable.Width];
    }
}
