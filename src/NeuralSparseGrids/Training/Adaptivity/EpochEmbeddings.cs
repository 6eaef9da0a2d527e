using System.Diagnostics;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The training embeddings (N, d) as an epoch's own forward passes computed them, gathered batch by batch into one
/// row-major float32 array, so an adaptation step after that epoch reads them instead of embedding the training split
/// again. Each row is the embedding its mini-batch's loss used, i.e. with the parameters of that batch's step: the
/// embeddings "as of the last epoch". With parameters unchanged over the epoch they equal a fresh embedding (tested);
/// an encoder whose forward depends on the training mode (batch norm, dropout) is not gathered
/// (<see cref="CanGather"/>): its step embeds afresh in evaluation mode.
/// </summary>
public sealed class EpochEmbeddings
{
    private float[] _rows = [];
    private bool[] _seen = [];
    private int _count, _dim, _epoch = -1, _filled;
    private long _ticks;

    /// <summary>True when <paramref name="model"/>'s training-mode embeddings equal its evaluation-mode ones (no batch norm or dropout).</summary>
    public static bool CanGather(NeuralSparseGrid model) =>
        !model.Encoder.modules().Any(m => m is BatchNorm1d or BatchNorm2d or BatchNorm3d or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d
            or Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout);

    /// <summary>Starts gathering the <paramref name="count"/> rows of <paramref name="epoch"/> (forgets any earlier epoch's).</summary>
    public void Begin(int epoch, int count, int dim)
    {
        if (_rows.Length != (long)count * dim) _rows = new float[checked(count * dim)];
        if (_seen.Length != count) _seen = new bool[count];
        else Array.Clear(_seen);
        (_epoch, _count, _dim, _filled, _ticks) = (epoch, count, dim, 0, 0);
    }

    /// <summary>Stores the embeddings <paramref name="h"/> (batch, d) of the training rows <paramref name="rows"/> (in h's order).</summary>
    public void Record(ReadOnlySpan<int> rows, Tensor h)
    {
        if (_epoch < 0) return;
        if (h.numel() != (long)rows.Length * _dim)
            throw new ArgumentException($"Embeddings of {rows.Length} rows x {_dim} expected, got shape ({string.Join(", ", h.shape)}).", nameof(h));
        // Read in place (no torch call beyond the pointer): this runs once per mini-batch of the epoch before a step.
        if (h.dtype == ScalarType.Float32 && h.device_type == TorchSharp.DeviceType.CPU && h.is_contiguous()) Record(rows, Values(h));
        else
        {
            using var scope = NewDisposeScope();
            Record(rows, Values(h.detach().to(ScalarType.Float32, CPU).contiguous()));
        }
    }

    /// <summary>The same for embeddings held in C# memory, row-major (batch, d) (the fused training step's).</summary>
    // Optimised at once: a run calls it some hundred times, too few to leave unoptimised code before the last steps
    // (which then paid about 40 ns a row: a fifth of a millisecond per step on the swiss roll).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Record(ReadOnlySpan<int> rows, ReadOnlySpan<float> h)
    {
        if (_epoch < 0) return;
        long start = Stopwatch.GetTimestamp();
        int d = _dim;
        if (h.Length != rows.Length * d)
            throw new ArgumentException($"Embeddings of {rows.Length} rows x {d} expected, got {h.Length} values.", nameof(h));
        var all = _rows;
        var seen = _seen;
        int filled = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            int row = rows[b];
            for (int j = 0; j < d; j++) all[row * d + j] = h[b * d + j];
            filled += seen[row] ? 0 : 1;
            seen[row] = true;
        }
        _filled += filled;
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    private static unsafe ReadOnlySpan<float> Values(Tensor h) => new((float*)TensorData.Pointer(h), checked((int)h.numel()));

    /// <summary>Seconds spent in <see cref="Record(ReadOnlySpan{int}, ReadOnlySpan{float})"/> this epoch (charged to the step that reads the rows).</summary>
    public double Seconds => Stopwatch.GetElapsedTime(0, _ticks).TotalSeconds;

    /// <summary>The (count, d) rows of <paramref name="epoch"/> when every row was recorded in it; else null.</summary>
    public float[]? Complete(int epoch) => _epoch == epoch && _filled == _count ? _rows : null;

    /// <summary>Stops gathering (a step consumed or skipped the rows).</summary>
    public void End() => _epoch = -1;
}
