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
            for (; b <= n - lanes; b += lanes)
            {
                var qb = TLanes.Load(q + b);
                var suffix = TLanes.One;
                long top = (long)(d - 1) * n + b;
                T* a = acc + top;
                T* leading = pw + top;
                for (int j = d - 1; j >= 0; j--, a -= n, leading -= n)
                {
                    long e = entry[j] + b;
                    var dv = TLanes.Load(der + e);
                    TLanes.Store(TLanes.MulAdd(TLanes.Multiply(qb, dv), TLanes.Multiply(suffix, TLanes.Load(leading)), TLanes.Load(a)), a);
                    suffix = TLanes.Multiply(suffix, TLanes.Load(val + e));
                }
            }
            return b;
        }
    }
}
