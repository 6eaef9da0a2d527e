using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>
/// The hat levels' one-dimensional pieces: <see cref="Basis1D.HatPiece"/> against the closed form of the hat function,
/// and the vectorised row form <see cref="Basis1D.HatPieces"/> (the fused kernel's table fill) against HatPiece bit for bit.
/// </summary>
public class HatPieceTests
{
    // Cell edges, the box's ends, the points themselves, and random coordinates.
    private static double[] Coordinates(int level, int count, int seed)
    {
        var rng = new Random(seed);
        int cells = 1 << (level - 1);
        var x = new List<double> { 0, 1, 0.5, 1 - 1e-17, 1e-300, BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(1.0) - 1) };
        for (int k = 0; k <= cells; k++) x.Add(k / (double)cells);
        for (int i = 1; i < 2 * cells; i += 2) x.Add(i / (2.0 * cells));
        while (x.Count < count) x.Add(rng.NextDouble());
        return [.. x];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(11)]
    public void HatPieceIsTheHatFunctionWithTheSlopeFromTheRight(int level)
    {
        double scale = Math.Pow(2, level);
        foreach (double x in Coordinates(level, 300, level))
        {
            var (k, v, dv) = Basis1D.HatPiece(GridType.Linear, level, x);
            int i = 2 * k + 1;
            // phi_{l,i}(x) = max(0, 1 - |2^l x - i|), with x in the support of exactly that i.
            Assert.True(Math.Abs(scale * x - i) <= 1, $"x = {x}: k = {k} is not active");
            Assert.Equal(Math.Max(0, 1 - Math.Abs(scale * x - i)), v);
            // The slope of the piece x lies on, from the right at the kink (u = 0); at x = 1 the last cell's right half.
            Assert.Equal(scale * x - i >= 0 ? -scale : scale, dv);
        }
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void TheVectorisedRowAgreesWithHatPieceBitForBit(GridType type)
    {
        for (int level = type == GridType.LinearExtendedBoundary ? 2 : 1; level <= 13; level++)
        {
            // An odd length, so the scalar tail runs too.
            var x = Coordinates(level, 203, 7 * level);
            AssertRowAgrees<float>(type, level, x);
            AssertRowAgrees<double>(type, level, x);
        }
    }

    private static void AssertRowAgrees<T>(GridType type, int level, double[] x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var positions = new int[x.Length];
        var values = new T[x.Length];
        var slopes = new T[x.Length];
        Basis1D.HatPieces<T>(type, level, x, positions, values, slopes);
        var valuesOnly = new T[x.Length];
        Basis1D.HatPieces<T>(type, level, x, new int[x.Length], valuesOnly, default);
        for (int b = 0; b < x.Length; b++)
        {
            var (k, v, dv) = Basis1D.HatPiece(type, level, x[b]);
            string at = $"{type}, level {level}, x = {x[b]:R} ({typeof(T).Name})";
            Assert.True(k == positions[b], $"{at}: position {positions[b]}, HatPiece {k}");
            Assert.True(T.CreateTruncating(v).Equals(values[b]), $"{at}: value {values[b]}, HatPiece {v:R}");
            Assert.True(T.CreateTruncating(dv).Equals(slopes[b]), $"{at}: slope {slopes[b]}, HatPiece {dv:R}");
            Assert.True(values[b].Equals(valuesOnly[b]), $"{at}: values without slopes differ");
        }
    }
}
