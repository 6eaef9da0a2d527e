using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// Carries per-point rows (coefficients, optimizer moments, snapshots; shape (points, ...)) from one grid's numbering
/// to another's, given <see cref="Grids.GridRemap.PointSources"/>: row p of the result is row sources[p] of the input,
/// or zero where sources[p] is -1.
/// </summary>
public static class CoefficientRemap
{
    /// <summary>(old points, ...) -> (sources.Length, ...), same dtype and device, detached; zero rows where the source is -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Tensor Rows(Tensor rows, int[] sources)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(sources);
        var shape = rows.shape.ToArray();
        long count = shape[0], rowElements = 1;
        for (int k = 1; k < shape.Length; k++) rowElements *= shape[k];
        foreach (int p in sources)
            if (p >= count) throw new ArgumentException($"A point source exceeds the {count} rows given.", nameof(sources));
        shape[0] = sources.Length;
        if (rows.device_type == TorchSharp.DeviceType.CPU && rows.is_contiguous())
        {
            // On the CPU the rows are copied in place into an uninitialised tensor, each row copied or zeroed once: an
            // adaptation step carries five such matrices, and every torch call beyond the allocation (a zero fill, a
            // dispose scope, no_grad) costs more than the copying on a small grid.
            var result = empty(shape, rows.dtype);
            CopyRows(rows, result, sources, rowElements * rows.ElementSize);
            return result;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var zeroed = zeros(shape, rows.dtype, rows.device);
        var kept = Enumerable.Range(0, sources.Length).Where(p => sources[p] >= 0).ToArray();
        if (kept.Length > 0)
        {
            var to = tensor(kept.Select(p => (long)p).ToArray(), device: rows.device);
            var from = tensor(kept.Select(p => (long)sources[p]).ToArray(), device: rows.device);
            zeroed.index_copy_(0, to, rows.detach().index_select(0, from));
        }
        return zeroed.MoveToOuterDisposeScope();
    }

    // result row p = rows row sources[p] where that is >= 0, else zeros; both contiguous on the CPU, rows of rowBytes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyRows(Tensor rows, Tensor result, int[] sources, long rowBytes)
    {
        if (rowBytes == 0 || sources.Length == 0) return;
        byte* to = (byte*)TensorData.Pointer(result);
        byte* from = rows.numel() == 0 ? null : (byte*)TensorData.Pointer(rows);   // null only when every source is -1
        for (int p = 0; p < sources.Length; p++)
        {
            if (sources[p] >= 0) Buffer.MemoryCopy(from + sources[p] * rowBytes, to + p * rowBytes, rowBytes, rowBytes);
            else new Span<byte>(to + p * rowBytes, checked((int)rowBytes)).Clear();
        }
    }
}
