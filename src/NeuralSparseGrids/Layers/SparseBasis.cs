using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The basis matrix K (rows, points) in compressed sparse row form: row b holds its non-zeros at
/// Columns[RowOffsets[b] .. RowOffsets[b + 1]) with the matching Values; columns ascend within a row.
/// Every row has the same number of stored entries (one per term, at most S per row for hat grids).
/// </summary>
public sealed class SparseBasis : IDisposable
{
    internal SparseBasis(Tensor rowOffsets, Tensor columns, Tensor values, long rows, long points)
    {
        RowOffsets = rowOffsets;
        Columns = columns;
        Values = values;
        Rows = rows;
        Points = points;
    }

    /// <summary>(rows + 1) int64 start of each row in <see cref="Columns"/>.</summary>
    public Tensor RowOffsets { get; }

    /// <summary>(nnz) int64 column (point) indices.</summary>
    public Tensor Columns { get; }

    /// <summary>(nnz) values, the layer's dtype.</summary>
    public Tensor Values { get; }

    /// <summary>Number of rows N.</summary>
    public long Rows { get; }

    /// <summary>Number of columns G (grid points).</summary>
    public long Points { get; }

    /// <summary>The same matrix as a torch sparse COO tensor (rows, points).</summary>
    public Tensor ToSparseCoo()
    {
        using var scope = NewDisposeScope();
        long perRow = Rows == 0 ? 0 : Columns.shape[0] / Rows;
        var rowIds = arange(Rows, device: Columns.device).repeat_interleave(perRow);
        var coo = sparse_coo_tensor(stack([rowIds, Columns]), Values, [Rows, Points]);
        return coo.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        RowOffsets.Dispose();
        Columns.Dispose();
        Values.Dispose();
    }
}
