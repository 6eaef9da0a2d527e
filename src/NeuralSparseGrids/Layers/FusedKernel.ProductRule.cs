using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>
    /// The vector blocks of <see cref="InputGradient"/> for one term: entry[j] is the element offset of dimension j's
    /// (level, active function) row in the value and derivative tables; acc is (d, n) dimension-major.
    /// </summary>
    private readonly struct ProductRule(int d, int n, long* entry, T* val, T* der, T* pw, T* q, T* acc)
    {
        /// <summary>All whole blocks of TLanes samples; returns the first sample left for the scalar tail.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Blocks<TV, TLanes>() where TV : struct where TLanes : struct, ILanes<TV>
        {
            int lanes = TLanes.Count, b = 0;
            long trailingTop = (long)(d - 1) * n;
            for (; b <= n - lanes; b += lanes)
            {
                var qb = TLanes.Load(q + b);
                var prefix = TLanes.One;
                T* a = acc + b;
                T* trailing = pw + trailingTop + b;
                for (int j = 0; j < d; j++, a += n, trailing -= n)
                {
                    long e = entry[j] + b;
                    var dv = TLanes.Load(der + e);
                    TLanes.Store(TLanes.MulAdd(TLanes.Multiply(qb, dv), TLanes.Multiply(prefix, TLanes.Load(trailing)), TLanes.Load(a)), a);
                    prefix = TLanes.Multiply(prefix, TLanes.Load(val + e));
                }
            }
            return b;
        }
    }

    /// <summary>
    /// A vector width for the batch-vectorised loops (TV its vector type), as static members so that a loop written
    /// once is compiled by the JIT for each width it is instantiated with: no dispatch, no boxing.
    /// </summary>
    private interface ILanes<TV> where TV : struct
    {
        static abstract int Count { get; }
        static abstract TV One { get; }
        static abstract TV Load(T* p);
        static abstract void Store(TV v, T* p);
        static abstract TV Multiply(TV a, TV b);

        /// <summary>a b + c, fused where the CPU has FMA (as <see cref="MulAdd"/>).</summary>
        static abstract TV MulAdd(TV a, TV b, TV c);
    }

    /// <summary>512-bit vectors (AVX-512).</summary>
    private struct Lanes512 : ILanes<Vector512<T>>
    {
        public static int Count => Vector512<T>.Count;
        public static Vector512<T> One => Vector512<T>.One;
        public static Vector512<T> Load(T* p) => Vector512.Load(p);
        public static void Store(Vector512<T> v, T* p) => v.Store(p);
        public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
        public static Vector512<T> MulAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        {
            if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            return a * b + c;
        }
    }

    /// <summary>Vector&lt;T&gt;, the runtime's preferred width.</summary>
    private struct LanesNative : ILanes<Vector<T>>
    {
        public static int Count => Vector<T>.Count;
        public static Vector<T> One => Vector<T>.One;
        public static Vector<T> Load(T* p) => Vector.Load(p);
        public static void Store(Vector<T> v, T* p) => Vector.Store(v, p);
        public static Vector<T> Multiply(Vector<T> a, Vector<T> b) => a * b;
        public static Vector<T> MulAdd(Vector<T> a, Vector<T> b, Vector<T> c) => FusedKernel<T>.MulAdd(a, b, c);
    }
}
