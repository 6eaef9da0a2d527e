using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// A vector width over elements TE (TV its vector type), as static members so that a loop written once is
    /// compiled by the JIT for each width it is instantiated with: no dispatch, no boxing.
    /// </summary>
    private interface IVectorOps<TE, TV> where TE : unmanaged where TV : struct
    {
        static abstract int Count { get; }
        static abstract TV Create(TE value);
        static abstract TV Load(TE* p);
        static abstract void Store(TV v, TE* p);
        static abstract TV Add(TV a, TV b);
        static abstract TV Multiply(TV a, TV b);

        /// <summary>a b + c, fused for floating point where the CPU has FMA (as <see cref="MulAdd"/>).</summary>
        static abstract TV MulAdd(TV a, TV b, TV c);
    }

    /// <summary>
    /// A vector width of T for the kernel's floating-point loops: over the batch (term weights, the product rule)
    /// and along a coefficient row (<see cref="RowTiles"/>).
    /// </summary>
    private interface ILanes<TV> : IVectorOps<T, TV> where TV : struct
    {
        static abstract TV One { get; }

        /// <summary>
        /// True if the last tile of a row is read and written with masks (AVX-512), so row tiles never touch memory
        /// past the row's o elements; false if it is read and written whole, which the caller must keep inside
        /// memory the kernel may touch (<see cref="RowTiles"/>).
        /// </summary>
        static abstract bool MaskedTail { get; }

        /// <summary>All bits set in lanes below <paramref name="tail"/>, zero above.</summary>
        static abstract TV TailMask(int tail);

        /// <summary>The last tile of a caller's row: lanes at or above the tail are zero (masked) or whatever memory holds.</summary>
        static abstract TV LoadTail(T* p, TV mask);

        /// <summary>The last tile of a caller's row with lanes at or above the tail zero (for dot products).</summary>
        static abstract TV LoadTailZeroed(T* p, TV mask);

        /// <summary>Writes the last tile of a caller's row: lanes below the tail only (masked) or the whole tile.</summary>
        static abstract void StoreTail(TV v, T* p, TV mask);

        /// <summary>A vector folded to 256 bits with the same lane sum (for <see cref="LaneSums"/>).</summary>
        static abstract Vector256<T> Fold(TV v);
    }

    /// <summary>512-bit vectors (AVX-512; masked tails need float or double).</summary>
    private struct Lanes512 : ILanes<Vector512<T>>
    {
        /// <summary>True if rows can use 512-bit tiles with masked tails: AVX-512 and T float or double.</summary>
        public static bool RowsSupported => Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

        public static int Count => Vector512<T>.Count;
        public static Vector512<T> One => Vector512<T>.One;
        public static Vector512<T> Create(T value) => Vector512.Create(value);
        public static Vector512<T> Load(T* p) => Vector512.Load(p);
        public static void Store(Vector512<T> v, T* p) => v.Store(p);
        public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
        public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
        public static Vector512<T> MulAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        {
            if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            return a * b + c;
        }

        public static bool MaskedTail => true;

        public static Vector512<T> TailMask(int tail) =>
            Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(tail)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> LoadTail(T* p, Vector512<T> mask)
        {
            // A masked load does not touch (or fault on) the lanes it leaves out.
            if (typeof(T) == typeof(float)) return Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
            if (typeof(T) == typeof(double)) return Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
            throw new NotSupportedException();
        }

        public static Vector512<T> LoadTailZeroed(T* p, Vector512<T> mask) => LoadTail(p, mask);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreTail(Vector512<T> v, T* p, Vector512<T> mask)
        {
            if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)p, mask.AsSingle(), v.AsSingle());
            else if (typeof(T) == typeof(double)) Avx512F.MaskStore((double*)p, mask.AsDouble(), v.AsDouble());
            else throw new NotSupportedException();
        }

        public static Vector256<T> Fold(Vector512<T> v) => v.GetLower() + v.GetUpper();
    }

    /// <summary>Vector&lt;T&gt;, the runtime's preferred width; row tails are read and written whole.</summary>
    private struct LanesNative : ILanes<Vector<T>>
    {
        public static int Count => Vector<T>.Count;
        public static Vector<T> One => Vector<T>.One;
        public static Vector<T> Create(T value) => new(value);
        public static Vector<T> Load(T* p) => Vector.Load(p);
        public static void Store(Vector<T> v, T* p) => Vector.Store(v, p);
        public static Vector<T> Add(Vector<T> a, Vector<T> b) => a + b;
        public static Vector<T> Multiply(Vector<T> a, Vector<T> b) => a * b;
        public static Vector<T> MulAdd(Vector<T> a, Vector<T> b, Vector<T> c) => FusedKernel<T>.MulAdd(a, b, c);
        public static bool MaskedTail => false;
        public static Vector<T> TailMask(int tail) => Vector.LessThan(Vector<T>.Indices, new Vector<T>(T.CreateTruncating(tail)));
        public static Vector<T> LoadTail(T* p, Vector<T> mask) => Vector.Load(p);
        public static Vector<T> LoadTailZeroed(T* p, Vector<T> mask) => Vector.Load(p) & mask;
        public static void StoreTail(Vector<T> v, T* p, Vector<T> mask) => Vector.Store(v, p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Fold(Vector<T> v)
        {
            if (Vector<T>.Count * sizeof(T) == 16) return Vector256.Create(v.AsVector128(), Vector128<T>.Zero);
            if (Vector<T>.Count * sizeof(T) == 32) return v.AsVector256();
            var wide = v.AsVector512();
            return wide.GetLower() + wide.GetUpper();
        }
    }

    /// <summary>512-bit int vectors (AVX-512), for the point indices of the term builder.</summary>
    private struct Index512 : IVectorOps<int, Vector512<int>>
    {
        public static int Count => Vector512<int>.Count;
        public static Vector512<int> Create(int value) => Vector512.Create(value);
        public static Vector512<int> Load(int* p) => Vector512.Load(p);
        public static void Store(Vector512<int> v, int* p) => v.Store(p);
        public static Vector512<int> Add(Vector512<int> a, Vector512<int> b) => a + b;
        public static Vector512<int> Multiply(Vector512<int> a, Vector512<int> b) => a * b;
        public static Vector512<int> MulAdd(Vector512<int> a, Vector512<int> b, Vector512<int> c) => a * b + c;
    }

    /// <summary>Vector&lt;int&gt;, for the point indices of the term builder.</summary>
    private struct IndexNative : IVectorOps<int, Vector<int>>
    {
        public static int Count => Vector<int>.Count;
        public static Vector<int> Create(int value) => new(value);
        public static Vector<int> Load(int* p) => Vector.Load(p);
        public static void Store(Vector<int> v, int* p) => Vector.Store(v, p);
        public static Vector<int> Add(Vector<int> a, Vector<int> b) => a + b;
        public static Vector<int> Multiply(Vector<int> a, Vector<int> b) => a * b;
        public static Vector<int> MulAdd(Vector<int> a, Vector<int> b, Vector<int> c) => a * b + c;
    }
}
