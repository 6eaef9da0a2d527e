using System.Globalization;
using System.Numerics;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>Validates layer inputs: NaN/Inf or values outside [0, 1] by more than a tolerance are rejected.</summary>
internal static class InputCheck
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the number of offending rows and values and the first offending row.
    /// With <paramref name="clamp"/>, only NaN is rejected.
    /// </summary>
    public static void Validate(Tensor h, double tolerance, bool clamp)
    {
        if (h.device_type == TorchSharp.DeviceType.CPU && h.is_contiguous() && h.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            if (h.dtype == ScalarType.Float64) Validate(Values<double>(h), (int)h.shape[1], tolerance, clamp);
            else Validate(Values<float>(h), (int)h.shape[1], tolerance, clamp);
            return;
        }
        var (rows, values, first) = ScanWithTorch(h, tolerance, clamp);
        if (rows == 0) return;
        using var row = h[first].to(ScalarType.Float64).cpu();
        Throw(rows, values, first, h.shape[0], row.data<double>().ToArray(), tolerance, clamp);
    }

    /// <summary>The same check of row-major values h (rows, d) held in C# memory (the fused training step's embeddings).</summary>
    public static void Validate<T>(ReadOnlySpan<T> h, int d, double tolerance, bool clamp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, values, first) = Scan(h, d, tolerance, clamp);
        if (rows == 0) return;
        var row = h.Slice((int)first * d, d).ToArray().Select(double.CreateTruncating).ToArray();
        Throw(rows, values, first, h.Length / d, row, tolerance, clamp);
    }

    private static void Throw(long rows, long values, long first, long total, double[] row, double tolerance, bool clamp)
    {
        string shown = string.Join(", ", row.Take(16).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        string what = clamp ? "NaN" : $"NaN/Inf or values outside [0, 1] (tolerance {tolerance:g})";
        throw new ArgumentException(
            $"SparseGridLayer input: {rows} of {total} rows ({values} values) contain {what}; first offending row {first}: [{shown}{(row.Length > 16 ? ", ..." : "")}]. " +
            (clamp ? "Check the encoder for overflow." : "Map the encoder output into [0, 1] (e.g. a sigmoid) or build the layer with Clamp = true."),
            "h");
    }

    private static unsafe ReadOnlySpan<T> Values<T>(Tensor h) where T : unmanaged =>
        new((void*)TensorData.Pointer(h), checked((int)h.numel()));

    // Every forward pass scans its inputs: optimised from the first call rather than run as tier-0 code for many epochs.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (long rows, long values, long first) Scan<T>(ReadOnlySpan<T> p, int d, double tolerance, bool clamp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = p.Length / d, rows = 0, values = 0, first = -1;
        double lo = -tolerance, hi = 1 + tolerance;
        for (int b = 0; b < n; b++)
        {
            long bad = 0;
            for (int j = 0; j < d; j++)
            {
                double x = double.CreateTruncating(p[b * d + j]);
                if (double.IsNaN(x) || (!clamp && !(x >= lo && x <= hi))) bad++;
            }
            if (bad == 0) continue;
            rows++;
            values += bad;
            if (first < 0) first = b;
        }
        return (rows, values, first);
    }

    private static (long rows, long values, long first) ScanWithTorch(Tensor h, double tolerance, bool clamp)
    {
        using var scope = NewDisposeScope();
        var bad = clamp ? h.isnan() : h.isnan().logical_or(h < -tolerance).logical_or(h > 1 + tolerance).logical_or(h.isinf());
        long values = bad.sum().item<long>();
        if (values == 0) return (0, 0, -1);
        var badRows = bad.any(1);
        return (badRows.sum().item<long>(), values, badRows.to(ScalarType.Int32).argmax().item<long>());
    }
}
