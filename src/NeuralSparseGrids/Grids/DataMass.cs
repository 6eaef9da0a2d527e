namespace NeuralSparseGrids.Grids;

/// <summary>
/// The data mass of a grid point, (1/N) sum_i phi_p(h_i) over N samples, summed exactly: each basis value is
/// converted to an integer number of units of 2^-30, rounded up, and the units are added in 64-bit integers.
/// </summary>
/// <remarks>
/// Why integers: integer addition does not depend on the order of the terms, so the mass gathered during an epoch's
/// training steps (batch after batch in the epoch's shuffled order, by the fused kernel's backward pass) and
/// the mass computed afresh from the same embeddings afterwards are the same bits. A refinement step therefore picks
/// the same points whichever way its mass was obtained (a resumed run repeats the uninterrupted one). Rounding up keeps
/// every non-zero basis value at one unit at least, so "no sample in the support" is still exactly a zero mass. A
/// term is off by less than 2^-30 (about 1e-9, far below any difference between two indicators that matters). Basis
/// values are at most 2 (modified linear), so a sum of fewer than 2^31 samples cannot overflow.
/// </remarks>
public static class DataMass
{
    /// <summary>Units per basis value 1: 2^30.</summary>
    public const double UnitsPerOne = 1 << 30;

    /// <summary>The units of one basis value: ceil(value 2^30).</summary>
    public static long Units(double value) => (long)Math.Ceiling(value * UnitsPerOne);

    /// <summary>
    /// <see cref="Units(double)"/> of a float32 value, in float32 arithmetic (one conversion fewer in the fused
    /// backward pass's row loop): the product with 2^30 is exact, and so is the rounding up (below 2^24 every integer
    /// is a float32, above it every float32 is an integer), so the result is the same.
    /// </summary>
    public static long Units(float value) => (long)MathF.Ceiling(value * (float)UnitsPerOne);

    /// <summary>The mass (1/N) sum of a point from its summed <paramref name="units"/> over <paramref name="samples"/> samples (0 for none).</summary>
    public static double Of(long units, int samples) => units / UnitsPerOne / Math.Max(1, samples);
}
