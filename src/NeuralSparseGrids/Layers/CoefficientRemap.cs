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
    public static Tensor Rows(Tensor rows, int[] sources)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(sources);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shape = rows.shape.ToArray();
        shape[0] = sources.Length;
        var result = zeros(shape, rows.dtype, rows.device);
        var kept = Enumerable.Range(0, sources.Length).Where(p => sources[p] >= 0).ToArray();
        if (kept.Length > 0)
        {
            if (kept.Any(p => sources[p] >= rows.shape[0]))
                throw new ArgumentException($"A point source exceeds the {rows.shape[0]} rows given.", nameof(sources));
            var to = tensor(kept.Select(p => (long)p).ToArray(), device: rows.device);
            var from = tensor(kept.Select(p => (long)sources[p]).ToArray(), device: rows.device);
            result.index_copy_(0, to, rows.detach().index_select(0, from));
        }
        return result.MoveToOuterDisposeScope();
    }
}
