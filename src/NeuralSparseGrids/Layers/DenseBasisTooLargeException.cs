namespace NeuralSparseGrids.Layers;

/// <summary>Thrown by the dense path before building a basis matrix K (batch, points) above its memory budget.</summary>
public sealed class DenseBasisTooLargeException(long rows, long points, long bytes, long maxBytes)
    : InvalidOperationException($"The dense basis matrix K would have N = {rows:N0} rows x G = {points:N0} points = " +
        $"{Grids.GridTooLargeException.FormatBytes(bytes)} ({bytes:N0} bytes), above the budget of " +
        $"{Grids.GridTooLargeException.FormatBytes(maxBytes)}; use the fused or tensor-op path, the sparse form (SparseBasisMatrix / BasisEntries), a smaller batch, or raise DenseMaxBytes.")
{
    /// <summary>Rows N (batch).</summary>
    public long Rows { get; } = rows;

    /// <summary>Columns G (grid points).</summary>
    public long Points { get; } = points;

    /// <summary>Bytes K would need.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>The budget.</summary>
    public long MaxBytes { get; } = maxBytes;
}
