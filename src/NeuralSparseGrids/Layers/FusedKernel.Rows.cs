using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// How the kernel reads and writes the o-element rows of the coefficients, the upstream gradient and its own
    /// accumulators: in tiles of vector lanes, or element by element (the scalar fallback).
    /// </summary>
    /// <remarks>
    /// Why rows and not lanes over the batch here: the coefficient rows of the points a batch hits are scattered
    /// (one point per sample and subspace), while each row's o outputs are contiguous. Vectorising over the batch
    /// would need one hardware gather per output and V samples (and a scatter with conflict handling for dL/dC);
    /// on this machine's CPU (AMD EPYC, AVX-512) a gather costs about one cycle per element, as much as a scalar
    /// load, while a row tile is one load and one FMA for V outputs. Everything that is per sample and dimension
    /// (the basis products, point indices and the product rule of dL/dh) is vectorised over the batch instead, in
    /// structure-of-arrays tables with the sample index fastest.
    /// <para>
    /// A row of o elements is handled as <see cref="Tiles"/> whole vectors (<see cref="Stride"/> = Tiles V lanes); the
    /// kernel's own buffers (forward accumulators, the zero-padded copy of the upstream gradient) have that padded
    /// stride. Where the CPU has AVX-512 (<see cref="Wide"/>) tiles are 512 bits and the last tile of a caller's row
    /// (coefficients, dL/dC, stride o) is read and written with masks: o = 10 floats is one tile, and no row needs
    /// care near the end of a buffer. Without AVX-512 tiles are Vector&lt;T&gt; and the last tile is read and written
    /// whole, so a row is read past its end only where that stays inside memory the kernel may touch: a coefficient
    /// row's read-ahead must stay inside the coefficient buffer (the padding lanes then hold the next row's values,
    /// which land in ignored accumulator lanes or are masked to zero in dot products, so an Inf there cannot poison
    /// the sum), and a dL/dC row's read-modify-write of the padding lanes adds padding-lane zeros of the upstream
    /// copy to the next row of the same subspace, whose block the same thread owns. Rows where that does not hold
    /// take the element-wise path.
    /// </para>
    /// </remarks>
    private readonly struct RowTiles
    {
        public RowTiles(int outputs, bool vectorize)
        {
            O = outputs;
            BatchVectorized = vectorize && Vector.IsHardwareAccelerated;
            // Below half a vector of outputs (o = 1, the regression case) most lanes would be padding, and the dot
            // product's horizontal sum costs more than the scalar loop: rows are scalar there (the batch-vectorised
            // terms and product rule still run).
            Wide = vectorize && Lanes512.RowsSupported && 2 * outputs >= Vector512<T>.Count;
            int lanes = Wide ? Vector512<T>.Count : Vector<T>.Count;
            Vectorized = Wide || (vectorize && Vector.IsHardwareAccelerated && Vector<T>.IsSupported && 2 * outputs >= lanes);
            Tiles = Vectorized ? (outputs + lanes - 1) / lanes : 0;
            Stride = Vectorized ? Tiles * lanes : outputs;
            Tail = outputs - Math.Max(Tiles - 1, 0) * lanes;
        }

        /// <summary>True if the loops over the batch (terms, product rule) use vectors: not the scalar fallback.</summary>
        public bool BatchVectorized { get; }

        /// <summary>Outputs o.</summary>
        public int O { get; }

        /// <summary>True if rows are handled in vector tiles.</summary>
        public bool Vectorized { get; }

        /// <summary>True if the tiles are 512 bits with masked row tails (<see cref="Lanes512"/>), else Vector&lt;T&gt;.</summary>
        public bool Wide { get; }

        /// <summary>Vector tiles per row (0 for the scalar fallback).</summary>
        public int Tiles { get; }

        /// <summary>Row stride of the kernel's own (padded) buffers: Tiles V, or o for the scalar fallback.</summary>
        public int Stride { get; }

        /// <summary>Outputs in the last tile: o - (Tiles - 1) V.</summary>
        public int Tail { get; }

        /// <summary>
        /// <see cref="Stride"/> as a constant where TTiles fixes the tile count (Tiles TL.Count), so the JIT addresses a
        /// padded row by a shift instead of a multiply in the per-sample loops.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int StrideOf<TTiles, TL, TV>() where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct =>
            TTiles.Value == 0 ? Stride : TTiles.Value * TL.Count;

        /// <summary>Element offset of the last tile; TTiles fixes the tile count at compile time where it can.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int LastTile<TTiles, TL, TV>() where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct =>
            (TTiles.Value == 1 ? 0 : TTiles.Value == 2 ? 1 : Tiles - 1) * TL.Count;
    }

    /// <summary>
    /// y[0 .. o) += a x[0 .. o) in tiles. TPaddedX / TPaddedY: whether x / y is one of the kernel's padded rows (whole
    /// tiles) or a caller's row, whose tail is read by <see cref="ILanes{TV}.LoadTail"/> (coefficients) or read and
    /// written masked or whole (dL/dC). The JIT specialises per type argument, so the per-sample loops carry no dispatch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaledTiles<TTiles, TL, TV, TPaddedX, TPaddedY>(in RowTiles rows, T a, T* x, T* y, TV mask)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct where TPaddedX : struct, IFlag where TPaddedY : struct, IFlag
    {
        var va = TL.Create(a);
        int last = rows.LastTile<TTiles, TL, TV>();
        for (int k = 0; k < last; k += TL.Count) TL.Store(TL.MulAdd(va, TL.Load(x + k), TL.Load(y + k)), y + k);
        var xLast = TPaddedX.Value ? TL.Load(x + last) : TL.LoadTail(x + last, mask);
        if (TPaddedY.Value) TL.Store(TL.MulAdd(va, xLast, TL.Load(y + last)), y + last);
        else TL.StoreTail(TL.MulAdd(va, xLast, TL.LoadTail(y + last, mask)), y + last, mask);
    }

    /// <summary>
    /// One sample's backward row in tiles: gc[0 .. o) += a g (where TGc writes; a padded row in whole tiles or a
    /// caller's row with its tail masked or whole) and the lane-wise products g c summed over the tiles (c's tail lanes
    /// zeroed), whose lanes sum to g . c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV UpdateAndMultiplyTiles<TTiles, TL, TV, TGc>(in RowTiles rows, T a, T* g, T* gc, T* c, TV mask)
        where TTiles : struct, ITileCount where TL : struct, ILanes<TV> where TV : struct where TGc : struct, IGradientTarget
    {
        int last = rows.LastTile<TTiles, TL, TV>();
        var va = TL.Create(a);
        var gLast = TL.Load(g + last);
        if (TGc.Write && TGc.Padded) TL.Store(TL.MulAdd(va, gLast, TL.Load(gc + last)), gc + last);
        else if (TGc.Write) TL.StoreTail(TL.MulAdd(va, gLast, TL.LoadTail(gc + last, mask)), gc + last, mask);
        var sum = TL.Multiply(gLast, TL.LoadTailZeroed(c + last, mask));
        for (int k = 0; k < last; k += TL.Count)
        {
            var gk = TL.Load(g + k);
            if (TGc.Write) TL.Store(TL.MulAdd(va, gk, TL.Load(gc + k)), gc + k);
            sum = TL.MulAdd(gk, TL.Load(c + k), sum);
        }
        return sum;
    }

    /// <summary>A tile count known when the JIT compiles a row loop: 1, 2, or 0 for "read it from <see cref="RowTiles.Tiles"/>".</summary>
    private interface ITileCount
    {
        static abstract int Value { get; }
    }

    private struct OneTile : ITileCount
    {
        public static int Value => 1;
    }

    private struct TwoTiles : ITileCount
    {
        public static int Value => 2;
    }

    private struct AnyTiles : ITileCount
    {
        public static int Value => 0;
    }

    /// <summary>A compile-time yes/no for specialising a row loop (the JIT drops the branch it rules out).</summary>
    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private struct No : IFlag
    {
        public static bool Value => false;
    }

    /// <summary>
    /// The lane sums of a block of 256-bit vectors at once (8 floats or 4 doubles, one block of samples) by a
    /// transposing reduction: 9 instructions for 8 sums instead of about 5 per horizontal sum. Needs AVX.
    /// </summary>
    private static class LaneSums
    {
        /// <summary>True if <see cref="Reduce(Vector256{T}, Vector256{T}, Vector256{T}, Vector256{T})"/> runs in hardware.</summary>
        public static bool IsSupported =>
            System.Runtime.Intrinsics.X86.Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        /// <summary>Vectors per block: the lanes of a 256-bit vector (8 for float, 4 for double).</summary>
        public static int Samples => Vector256<T>.Count;

        /// <summary>Doubles: (sum of p0's lanes, ..., sum of p3's lanes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Reduce(Vector256<T> p0, Vector256<T> p1, Vector256<T> p2, Vector256<T> p3)
        {
            var t0 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p0.AsDouble(), p1.AsDouble());   // p0 01, p1 01, p0 23, p1 23
            var t1 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p2.AsDouble(), p3.AsDouble());
            var lo = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t0, t1, 0x20);   // pairs 01 of p0 .. p3
            var hi = System.Runtime.Intrinsics.X86.Avx.Permute2x128(t0, t1, 0x31);   // pairs 23
            return (lo + hi).As<double, T>();
        }

        /// <summary>Floats: (sum of p0's lanes, ..., sum of p7's lanes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Reduce(Vector256<T> p0, Vector256<T> p1, Vector256<T> p2, Vector256<T> p3,
            Vector256<T> p4, Vector256<T> p5, Vector256<T> p6, Vector256<T> p7)
        {
            var t0 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p0.AsSingle(), p1.AsSingle());   // p0 01, p0 23, p1 01, p1 23 | 45, 67
            var t1 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p2.AsSingle(), p3.AsSingle());
            var t2 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p4.AsSingle(), p5.AsSingle());
            var t3 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(p6.AsSingle(), p7.AsSingle());
            var u0 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(t0, t1);   // p0 .. p3 lanes 0-3 | lanes 4-7
            var u1 = System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(t2, t3);   // p4 .. p7
            var lo = System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u1, 0x20);
            var hi = System.Runtime.Intrinsics.X86.Avx.Permute2x128(u0, u1, 0x31);
            return (lo + hi).As<float, T>();
        }
    }

    /// <summary>y[k] += a x[k] for k &lt; o, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddScaled(T a, T* x, T* y, int o)
    {
        for (int k = 0; k < o; k++) y[k] += a * x[k];
    }

    /// <summary>sum_k x[k] y[k] for k &lt; o, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot(T* x, T* y, int o)
    {
        T sum = T.Zero;
        for (int k = 0; k < o; k++) sum += x[k] * y[k];
        return sum;
    }

    /// <summary>a b + c, fused where the CPU has FMA (one rounding; the JIT does not contract a * b + c itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> MulAdd(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            if (typeof(T) == typeof(float))
                return Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.As<T, float>(a), Vector.As<T, float>(b), Vector.As<T, float>(c)));
            if (typeof(T) == typeof(double))
                return Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.As<T, double>(a), Vector.As<T, double>(b), Vector.As<T, double>(c)));
        }
        return a * b + c;
    }
}
