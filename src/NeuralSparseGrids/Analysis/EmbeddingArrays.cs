namespace NeuralSparseGrids.Analysis;

/// <summary>Argument checks and conversions shared by the analysis routines for row-major (n, d) embedding arrays.</summary>
internal static class EmbeddingArrays
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="length"/> equals n * d with n &gt;= 0, d &gt;= 1.</summary>
    public static void CheckShape(int length, int n, int d, string paramName)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The number of embeddings cannot be negative.");
        if (d < 1) throw new ArgumentOutOfRangeException(nameof(d), d, "The latent dimension must be at least 1.");
        if ((long)n * d != length)
            throw new ArgumentException($"Embeddings must be row-major (n, d) = ({n}, {d}), i.e. {(long)n * d} values; got {length}.", paramName);
    }

    /// <summary>Widens float embeddings to double.</summary>
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
