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
        long rows, values, first;
        if (h.device_type == TorchSharp.DeviceType.CPU && h.is_contiguous() && h.dtype is ScalarType.Float32 or ScalarType.Float64)
            (rows, values, first) = h.dtype == ScalarType.Float64 ? Scan<double>(h, tolerance, clamp) : Scan<float>(h, tolerance, clamp);
        else
            (rows, values, first) = ScanWithTorch(h, tolerance, clamp);
        if (rows == 0) return;
        using var row = h[first].to(ScalarType.Float64).cpu();
        string shown = string.Join(", ", row.data<double>().ToArray().Take(16).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        string what = clamp ? "NaN" : $"NaN/Inf or values outside [0, 1] (tolerance {tolerance:g})";
        throw new ArgumentException(
            $"SparseGridLayer input: {rows} of {h.shape[0]} rows ({values} values) contain {what}; first offending row {first}: [{shown}{(h.shape[1] > 16 ? ", ..." : "")}]. " +
            (clamp ? "Check the encoder for overflow." : "Map the encoder output into [0, 1] (e.g. a sigmoid) or build the layer with Clamp = true."),
            nameof(h));
    }

    private static unsafe (long rows, long values, long first) Scan<T>(Tensor h, double tolerance, bool clamp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = h.shape[0], d = h.shape[1], rows = 0, values = 0, first = -1;
        T* p = (T*)TensorData.Pointer(h);
        double lo = -tolerance, hi = 1 + tolerance;
        for (long b = 0; b < n; b++)
        {
            long bad = 0;
            for (long j = 0; j < d; j++)
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
