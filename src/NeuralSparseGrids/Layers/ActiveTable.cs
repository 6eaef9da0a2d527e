using System.Numerics;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The active one-dimensional functions of every level at one coordinate, with the semantics of
/// <see cref="Basis1D.Active"/> (cell [k, k+1) 2^(1-l), last cell closed; one-sided derivative of the evaluated
/// piece: from the right, at x = 1 from the left). Coordinates outside [0, 1] are clamped and get derivative 0.
/// </summary>
/// <remarks>
/// Layout per sample: entry e = j * L + (l - MinLevel) has Count[e] actives at e * 3 + a, a &lt; Count[e].
/// </remarks>
internal static class ActiveTable
{
    public const int Width = Basis1D.MaxActive;

    /// <summary>Fills the entries of one coordinate (all levels of dimension <paramref name="dim"/>).</summary>
    public static void Fill<T>(GridTables t, int dim, T xIn, Span<byte> count, Span<int> pos, Span<T> val, Span<T> der)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double x = double.CreateTruncating(xIn);
        bool outside = false;
        if (x < 0) { x = 0; outside = true; }
        else if (x > 1) { x = 1; outside = true; }
        double ds = outside ? 0 : 1;
        int e0 = dim * t.LevelCount;
        for (int li = 0; li < t.LevelCount; li++)
        {
            int l = li + t.MinLevel;
            int e = e0 + li, a = e * Width;
            if (l == 0)
            {
                count[e] = 2;
                pos[a] = 0; val[a] = T.CreateTruncating(1 - x); der[a] = T.CreateTruncating(-ds);
                pos[a + 1] = 1; val[a + 1] = T.CreateTruncating(x); der[a + 1] = T.CreateTruncating(ds);
                continue;
            }
            if (l == 1 && t.Type == GridType.LinearExtendedBoundary)
            {
                count[e] = 3;
                pos[a] = 0; val[a] = T.CreateTruncating(1 - x); der[a] = T.CreateTruncating(-ds);
                pos[a + 1] = 1;
                val[a + 1] = T.CreateTruncating(x < 0.5 ? 2 * x : 2 - 2 * x);
                der[a + 1] = T.CreateTruncating(x < 0.5 ? 2 * ds : -2 * ds);
                pos[a + 2] = 2; val[a + 2] = T.CreateTruncating(x); der[a + 2] = T.CreateTruncating(ds);
                continue;
            }
            int cells = 1 << (l - 1);
            int k = (int)(x * cells);
            if (k >= cells) k = cells - 1;
            double scale = 2.0 * cells;
            int i = 2 * k + 1;
            double v, d;
            if (t.Type == GridType.ModifiedLinear && l == 1) { v = 1; d = 0; }
            else if (t.Type == GridType.ModifiedLinear && i == 1) { v = 2 - scale * x; d = -scale; }
            else if (t.Type == GridType.ModifiedLinear && i == 2 * cells - 1) { v = scale * x + 1 - i; d = scale; }
            else
            {
                double u = scale * x - i;
                if (u >= 0) { v = 1 - u; d = -scale; } else { v = 1 + u; d = scale; }
            }
            count[e] = 1;
            pos[a] = k; val[a] = T.CreateTruncating(v); der[a] = T.CreateTruncating(d * ds);
        }
    }
}
