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
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shape = rows.shape.ToArray();
        long count = shape[0];
        foreach (int p in sources)
            if (p >= count) throw new ArgumentException($"A point source exceeds the {count} rows given.", nameof(sources));
        shape[0] = sources.Length;
        var result = zeros(shape, rows.dtype, rows.device);
        if (rows.device_type == TorchSharp.DeviceType.CPU && rows.is_contiguous())
        {
            // On the CPU the rows are copied in place: an adaptation step carries five such matrices, and a handful
            // of torch calls each would cost more than the copying.
            CopyRows(rows, result, sources);
            return result.MoveToOuterDisposeScope();
        }
        var kept = Enumerable.Range(0, sources.Length).Where(p => sources[p] >= 0).ToArray();
        if (kept.Length > 0)
        {
            var to = tensor(kept.Select(p => (long)p).ToArray(), device: rows.device);
            var from = tensor(kept.Select(p => (long)sources[p]).ToArray(), device: rows.device);
            result.index_copy_(0, to, rows.detach().index_select(0, from));
        }
        return result.MoveToOuterDisposeScope();
    }

    // result row p = rows row sources[p] where that is >= 0 (result starts zero); both contiguous on the CPU.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CopyRows(Tensor rows, Tensor result, int[] sources)
    {
        if (rows.numel() == 0 || result.numel() == 0) return;
        long rowBytes = rows.numel() / rows.shape[0] * rows.ElementSize;
        byte* from = (byte*)TensorData.Pointer(rows), to = (byte*)TensorData.Pointer(result);
        for (int p = 0; p < sources.Length; p++)
            if (sources[p] >= 0) Buffer.MemoryCopy(from + sources[p] * rowBytes, to + p * rowBytes, rowBytes, rowBytes);
    }
}
