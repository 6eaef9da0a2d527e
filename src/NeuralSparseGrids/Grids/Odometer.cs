namespace NeuralSparseGrids.Grids;

/// <summary>
/// The combination walk of the kernels: counts through every digit vector 0 &lt;= digits[j] &lt; limits[j], the last
/// digit fastest (e.g. the tensor product of the active functions of a subspace with global boundary levels, or the
/// local positions of a pole).
/// </summary>
internal static class Odometer
{
    /// <summary>Advances <paramref name="digits"/> to the next combination; false (digits back at zero) after the last.</summary>
    public static bool Next(Span<int> digits, ReadOnlySpan<int> limits)
    {
        for (int j = digits.Length - 1; j >= 0; j--)
        {
            if (++digits[j] < limits[j]) return true;
            digits[j] = 0;
        }
        return false;
    }
}
