using System.Numerics;
using System.Runtime.CompilerServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// The one-dimensional basis functions of each <see cref="GridType"/>, addressed by level and local position.
/// </summary>
/// <remarks>
/// Within a one-dimensional level the functions are numbered by a local position k = 0 .. Count(l) - 1.
/// For hat levels (l &gt;= 1, except level 1 of <see cref="GridType.LinearExtendedBoundary"/>) k maps to the SG++
/// index i = 2k + 1. For the level-0 boundary functions of <see cref="GridType.LinearBoundary"/> k = i ∈ {0, 1};
/// for level 1 of <see cref="GridType.LinearExtendedBoundary"/> k = i ∈ {0, 1, 2} (grid points 0, 1/2, 1).
///
/// Derivatives at kinks: the basis is piecewise linear, so at a kink we return the one-sided derivative from the
/// right (from the left at x = 1). With the cell convention of <see cref="Active"/> (x belongs to the cell
/// [k, k + 1) * 2^(1-l), the last cell closed), this is the derivative of the linear piece that is evaluated.
/// </remarks>
public static class Basis1D
{
    /// <summary>Most functions of one level that can be non-zero at the same x (level 1 of V^B(1): three).</summary>
    public const int MaxActive = 3;

    /// <summary>The smallest one-dimensional level the grid type uses (0 for <see cref="GridType.LinearBoundary"/>, else 1).</summary>
    public static int MinLevel(GridType type) => type == GridType.LinearBoundary ? 0 : 1;

    /// <summary>Number of functions in one-dimensional level <paramref name="level"/>.</summary>
    public static int Count(GridType type, int level)
    {
        if (level < MinLevel(type)) throw new ArgumentOutOfRangeException(nameof(level), level, $"{type} grids start at level {MinLevel(type)}.");
        if (level == 0) return 2;
        if (level == 1 && type == GridType.LinearExtendedBoundary) return 3;
        if (level > 31) throw new ArgumentOutOfRangeException(nameof(level), level, "One-dimensional levels above 31 are not supported.");
        return 1 << (level - 1);
    }

    /// <summary>True if every function of the level is non-zero on the whole of [0, 1] or its supports overlap.</summary>
    internal static bool IsGlobalLevel(GridType type, int level) =>
        level == 0 || (level == 1 && type == GridType.LinearExtendedBoundary);

    /// <summary>The SG++ index i of local position <paramref name="k"/> at <paramref name="level"/>.</summary>
    public static int Index(GridType type, int level, int k) => IsGlobalLevel(type, level) ? k : 2 * k + 1;

    /// <summary>The local position of SG++ index <paramref name="index"/> at <paramref name="level"/>.</summary>
    public static int LocalPosition(GridType type, int level, int index) => IsGlobalLevel(type, level) ? index : (index - 1) / 2;

    /// <summary>Coordinate of the grid point (level, local position k) in [0, 1].</summary>
    public static double Coordinate(GridType type, int level, int k)
    {
        if (level == 0) return k;
        if (level == 1 && type == GridType.LinearExtendedBoundary) return 0.5 * k;
        return (2 * k + 1) / (double)(1L << level);
    }

    /// <summary>
    /// Value of function (level, k) at x ∈ [0, 1] (x is clamped): the active piece where k is active, else 0.
    /// </summary>
    public static double Value(GridType type, int level, int k, double x)
    {
        Span<int> positions = stackalloc int[MaxActive];
        Span<double> values = stackalloc double[MaxActive];
        Span<double> derivatives = stackalloc double[MaxActive];
        int count = Active(type, level, x, positions, values, derivatives);
        for (int a = 0; a < count; a++)
            if (positions[a] == k) return values[a];
        return 0;
    }

    /// <summary>
    /// The functions of <paramref name="level"/> that may be non-zero at <paramref name="x"/> ∈ [0, 1]: writes
    /// their local positions, values and derivatives d/dx and returns how many (1, or 2-3 for boundary levels).
    /// This and <see cref="HatPiece"/> are the only places the one-dimensional basis is written down; every
    /// evaluator, kernel and layer path of the library reads it from here (the tensor-op layer path holds its torch
    /// transcription, checked against this one by the path agreement tests).
    /// </summary>
    /// <remarks>For hat levels this is the one function whose support cell holds x; x is clamped into [0, 1].</remarks>
    public static int Active(GridType type, int level, double x, Span<int> positions, Span<double> values, Span<double> derivatives)
    {
        if (x < 0) x = 0; else if (x > 1) x = 1;
        if (level == 0)
        {
            positions[0] = 0; values[0] = 1 - x; derivatives[0] = -1;
            positions[1] = 1; values[1] = x; derivatives[1] = 1;
            return 2;
        }
        if (level == 1 && type == GridType.LinearExtendedBoundary)
        {
            positions[0] = 0; values[0] = 1 - x; derivatives[0] = -1;
            positions[1] = 1; values[1] = x < 0.5 ? 2 * x : 2 - 2 * x; derivatives[1] = x < 0.5 ? 2 : -2;
            positions[2] = 2; values[2] = x; derivatives[2] = 1;
            return 3;
        }
        (positions[0], values[0], derivatives[0]) = HatPiece(type, level, x);
        return 1;
    }

    /// <summary>
    /// <see cref="HatPiece"/> for a row of coordinates at once: positions[b], values[b] and, unless
    /// <paramref name="derivatives"/> is empty, derivatives[b] of the function of hat level <paramref name="level"/>
    /// active at x[b] ∈ [0, 1], values and derivatives rounded to T as a cast of HatPiece's would be. Vectorised over
    /// x with HatPiece's own arithmetic in float64 (same operations, same order), so every bit agrees with it (tested);
    /// modified linear levels, whose boundary cells differ, and the row's tail take HatPiece itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void HatPieces<T>(GridType type, int level, ReadOnlySpan<double> x, Span<int> positions, Span<T> values, Span<T> derivatives)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, b = 0, w = Vector<double>.Count;
        bool slopes = !derivatives.IsEmpty;
        if (type != GridType.ModifiedLinear && Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            int cells = 1 << (level - 1);
            var lanes = new HatLanes(cells);
            for (; b <= n - 2 * w; b += 2 * w)
            {
                var (k0, v0, d0) = lanes.Piece(new Vector<double>(x.Slice(b)));
                var (k1, v1, d1) = lanes.Piece(new Vector<double>(x.Slice(b + w)));
                Vector.Narrow(k0, k1).CopyTo(positions.Slice(b));
                HatLanes.Store(values.Slice(b), v0, v1);
                if (slopes) HatLanes.Store(derivatives.Slice(b), d0, d1);
            }
        }
        for (; b < n; b++)
        {
            var (k, v, dv) = HatPiece(type, level, x[b]);
            positions[b] = k;
            values[b] = T.CreateTruncating(v);
            if (slopes) derivatives[b] = T.CreateTruncating(dv);
        }
    }

    /// <summary><see cref="HatPiece"/>'s arithmetic (not modified linear) on a vector of coordinates, for <see cref="HatPieces"/>.</summary>
    private readonly struct HatLanes(int cells)
    {
        private readonly Vector<double> _cells = new(cells), _lastCell = new(cells - 1), _scale = new(2.0 * cells);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector<long> K, Vector<double> Value, Vector<double> Slope) Piece(Vector<double> x)
        {
            // k = (int)(x cells) (x >= 0: truncation is the floor), at most cells - 1; i = 2k + 1 exactly in float64.
            var k = Vector.Min(Vector.Floor(x * _cells), _lastCell);
            var u = _scale * x - (k + k + Vector<double>.One);
            return (Vector.ConvertToInt64(k), Vector<double>.One - Vector.Abs(u),
                Vector.CopySign(_scale, -u));
        }

        /// <summary>Two vectors of float64 results into destination, rounded to T (float32: narrowed, as a cast rounds).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store<T>(Span<T> destination, Vector<double> a, Vector<double> b) where T : unmanaged
        {
            if (typeof(T) == typeof(float))
            {
                Vector.As<float, T>(Vector.Narrow(a, b)).CopyTo(destination);
                return;
            }
            Vector.As<double, T>(a).CopyTo(destination);
            Vector.As<double, T>(b).CopyTo(destination.Slice(Vector<double>.Count));
        }
    }

    /// <summary>
    /// Hat levels (every level but the global ones, <see cref="IsGlobalLevel"/>): the local position k of the one
    /// function active at x ∈ [0, 1] (x in the cell [k, k + 1) 2^(1-l), the last cell closed), its value and its
    /// derivative on that cell (from the right at a kink, from the left at x = 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int position, double value, double derivative) HatPiece(GridType type, int level, double x)
    {
        int cells = 1 << (level - 1);
        int k = (int)(x * cells);
        if (k >= cells) k = cells - 1;
        double scale = 2.0 * cells;
        int i = 2 * k + 1;
        if (type == GridType.ModifiedLinear)
        {
            if (level == 1) return (k, 1, 0);
            if (i == 1) return (k, 2 - scale * x, -scale);
            if (i == 2 * cells - 1) return (k, scale * x + 1 - i, scale);
        }
        double u = scale * x - i;
        // Branch-free (u's sign is data dependent, so a branch here mispredicts about every other sample of a
        // table fill): 1 - |u| is 1 - u or exactly 1 + u, and the slope is -scale from the kink on (u = 0 included).
        return (k, 1 - Math.Abs(u), Math.CopySign(scale, -u));
    }
}
