using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NeuralSparseGrids.Layers;

internal static unsafe partial class FusedKernel<T>
{
    /// <summary>True if <see cref="LaneSums"/> runs as a horizontal-add tree (AVX, 256-bit <see cref="Vector{T}"/>).</summary>
    private static bool LaneSumsInRegisters => Avx.IsSupported && Vector<T>.Count * sizeof(T) == 32 && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// The lane sums of V = Vector&lt;T&gt;.Count vectors p[0 .. V) as one vector: lane k holds sum_l p[k][l].
    /// </summary>
    /// <remarks>
    /// One horizontal sum per vector costs a shuffle-and-add ladder of 2 log2(V) steps each; reducing V of them
    /// together is a transpose by pairwise horizontal adds: V - 1 adds and two cross-half permutes for all V, so the
    /// backward pass's per-sample dot products g[b] . C[idx_b] cost about one instruction each instead of six. The
    /// sums are in a different order than <see cref="Vector.Sum{T}(Vector{T})"/>'s, so the results agree to rounding.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> LaneSums(Vector<T>* p)
    {
        if (LaneSumsInRegisters && typeof(T) == typeof(float))
        {
            // [a01 a23 b01 b23 | a45 a67 b45 b67] for pairs (a, b); then quarters; then the two halves.
            var ab = Avx.HorizontalAdd(F(p[0]), F(p[1]));
            var cd = Avx.HorizontalAdd(F(p[2]), F(p[3]));
            var ef = Avx.HorizontalAdd(F(p[4]), F(p[5]));
            var gh = Avx.HorizontalAdd(F(p[6]), F(p[7]));
            var abcd = Avx.HorizontalAdd(ab, cd);   // [a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7]
            var efgh = Avx.HorizontalAdd(ef, gh);
            var sums = Avx.Permute2x128(abcd, efgh, 0x20) + Avx.Permute2x128(abcd, efgh, 0x31);
            return Vector.As<float, T>(sums.AsVector());
        }
        if (LaneSumsInRegisters && typeof(T) == typeof(double))
        {
            var ab = Avx.HorizontalAdd(D(p[0]), D(p[1]));   // [a01 b01 | a23 b23]
            var cd = Avx.HorizontalAdd(D(p[2]), D(p[3]));
            var sums = Avx.Permute2x128(ab, cd, 0x20) + Avx.Permute2x128(ab, cd, 0x31);
            return Vector.As<double, T>(sums.AsVector());
        }
        var result = Vector<T>.Zero;
        for (int k = 0; k < Vector<T>.Count; k++) result = result.WithElement(k, Vector.Sum(p[k]));
        return result;
    }

    private static Vector256<float> F(Vector<T> v) => Vector.As<T, float>(v).AsVector256();

    private static Vector256<double> D(Vector<T> v) => Vector.As<T, double>(v).AsVector256();
}
