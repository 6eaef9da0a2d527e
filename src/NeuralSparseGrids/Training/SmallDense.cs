using System.Numerics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The dense arithmetic of <see cref="FusedMlpStep"/> on float32 buffers: Linear layers z = W a + b with W (out, in) as
/// torch stores it and their gradients, on batches stored feature-major ((features, n): one contiguous row of n batch
/// entries per feature, so every loop runs in vectors along the batch), and the element-wise activations and
/// rescalings with their derivatives written in terms of the activation's output (which is what the backward pass
/// keeps), which do not care about the layout.
/// </summary>
/// <remarks>
/// The loops are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: they run thousands of times per epoch
/// from the first step on, and under tiered compilation their unoptimised tier-0 code (no inlining of Dot, Axpy or
/// Vector.Load) stayed in use for tens of epochs on a loaded machine, several times slower than the optimised code.
/// </remarks>
internal static unsafe class SmallDense
{
    /// <summary>
    /// z (out, n) = W a + bias for a batch stored feature-major: a (in, n), W (out, in) as torch stores it. Each output
    /// row is accumulated in registers across the batch (vectors of batch entries, one broadcast weight per input).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LinearForward(float* a, float* w, float* bias, float* z, int n, int inputs, int outputs)
    {
        for (int j = 0; j < outputs; j++)
        {
            float* wj = w + (long)j * inputs, zj = z + (long)j * n;
            int b = 0;
            if (Vector.IsHardwareAccelerated)
                for (; b <= n - Vector<float>.Count; b += Vector<float>.Count)
                {
                    var sum = new Vector<float>(bias[j]);
                    for (int k = 0; k < inputs; k++) sum += new Vector<float>(wj[k]) * Vector.Load(a + (long)k * n + b);
                    Vector.Store(sum, zj + b);
                }
            for (; b < n; b++)
            {
                float sum = bias[j];
                for (int k = 0; k < inputs; k++) sum += wj[k] * a[(long)k * n + b];
                zj[b] = sum;
            }
        }
    }

    /// <summary>
    /// Gradients of a Linear layer for the upstream delta (out, n) and its input a (in, n), both feature-major: dW (out,
    /// in) = delta a^T and db (out) = delta 1 are overwritten; da (in, n), when not null, is overwritten with W^T delta.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LinearBackward(float* a, float* w, float* delta, float* dw, float* db, float* da, int n, int inputs, int outputs)
    {
        for (int j = 0; j < outputs; j++)
        {
            float* dj = delta + (long)j * n;
            db[j] = Sum(dj, n);
            for (int k = 0; k < inputs; k++) dw[(long)j * inputs + k] = Dot(dj, a + (long)k * n, n);
        }
        if (da == null) return;
        for (int k = 0; k < inputs; k++)
        {
            float* dak = da + (long)k * n;
            int b = 0;
            if (Vector.IsHardwareAccelerated)
                for (; b <= n - Vector<float>.Count; b += Vector<float>.Count)
                {
                    var sum = Vector<float>.Zero;
                    for (int j = 0; j < outputs; j++) sum += new Vector<float>(w[(long)j * inputs + k]) * Vector.Load(delta + (long)j * n + b);
                    Vector.Store(sum, dak + b);
                }
            for (; b < n; b++)
            {
                float sum = 0;
                for (int j = 0; j < outputs; j++) sum += w[(long)j * inputs + k] * delta[(long)j * n + b];
                dak[b] = sum;
            }
        }
    }

    /// <summary>The transpose of a row-major (rows, columns) matrix into t (columns, rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<float> m, Span<float> t, int rows, int columns)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) t[c * rows + r] = m[r * columns + c];
    }

    /// <summary>The hidden activation in place: z -> act(z) (n elements), as torch's modules compute it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Activate(Activation activation, Span<float> z)
    {
        switch (activation)
        {
            case Activation.ReLU: ReLU(z); break;
            case Activation.Tanh: for (int i = 0; i < z.Length; i++) z[i] = MathF.Tanh(z[i]); break;
            case Activation.Sigmoid: for (int i = 0; i < z.Length; i++) z[i] = Sigmoid(z[i]); break;
            case Activation.LeakyReLU: for (int i = 0; i < z.Length; i++) z[i] = z[i] > 0 ? z[i] : 0.01f * z[i]; break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>Back through the activation in place: g *= act'(z), with act'(z) from the output y = act(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ActivationBackward(Activation activation, ReadOnlySpan<float> y, Span<float> g)
    {
        y = y[..g.Length];
        switch (activation)
        {
            case Activation.ReLU: ReLUBackward(y, g); break;
            case Activation.Tanh: for (int i = 0; i < g.Length; i++) g[i] *= 1 - y[i] * y[i]; break;
            case Activation.Sigmoid: for (int i = 0; i < g.Length; i++) g[i] *= y[i] * (1 - y[i]); break;
            case Activation.LeakyReLU: for (int i = 0; i < g.Length; i++) g[i] *= y[i] > 0 ? 1f : 0.01f; break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    // max(z, 0), NaN kept (as torch's relu), branch-free: the signs of a hidden layer are a coin toss for the predictor.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReLU(Span<float> z)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= z.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(z[i..]);
                Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), Vector<float>.Zero, v).CopyTo(z[i..]);
            }
        for (; i < z.Length; i++) z[i] = z[i] < 0 ? 0 : z[i];
    }

    // g where y > 0, else 0 (torch's threshold_backward: a NaN output passes g through), branch-free.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReLUBackward(ReadOnlySpan<float> y, Span<float> g)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= g.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var off = Vector.LessThanOrEqual(new Vector<float>(y[i..]), Vector<float>.Zero);
                Vector.ConditionalSelect(off, Vector<float>.Zero, new Vector<float>(g[i..])).CopyTo(g[i..]);
            }
        for (; i < g.Length; i++) g[i] = y[i] <= 0 ? 0 : g[i];
    }

    /// <summary>
    /// The rescaling into the box (<see cref="Rescaling.Apply"/>): h = rescale(z); s keeps sigmoid(z) or tanh(z) for
    /// the backward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rescale(Rescaling rescaling, ReadOnlySpan<float> z, Span<float> s, Span<float> h)
    {
        float m = (float)rescaling.MarginWidth;
        for (int i = 0; i < z.Length; i++)
        {
            (s[i], h[i]) = rescaling.Kind switch
            {
                RescaleKind.Sigmoid => (Sigmoid(z[i]), Sigmoid(z[i])),
                RescaleKind.Tanh => (MathF.Tanh(z[i]), (MathF.Tanh(z[i]) + 1) * 0.5f),
                _ => (Sigmoid(z[i]), Sigmoid(z[i]) * (1 - 2 * m) + m),
            };
        }
    }

    /// <summary>Back through the rescaling in place: g (dL/dh) becomes dL/dz, from s of <see cref="Rescale"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RescaleBackward(Rescaling rescaling, ReadOnlySpan<float> s, Span<float> g)
    {
        float m = (float)rescaling.MarginWidth;
        for (int i = 0; i < g.Length; i++)
            g[i] *= rescaling.Kind switch
            {
                RescaleKind.Sigmoid => s[i] * (1 - s[i]),
                RescaleKind.Tanh => 0.5f * (1 - s[i] * s[i]),
                _ => (1 - 2 * m) * s[i] * (1 - s[i]),
            };
    }

    private static float Sigmoid(float z) => 1 / (1 + MathF.Exp(-z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* x, float* y, int length)
    {
        int k = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; k <= length - Vector<float>.Count; k += Vector<float>.Count)
                acc += Vector.Load(x + k) * Vector.Load(y + k);
            sum = Vector.Sum(acc);
        }
        for (; k < length; k++) sum += x[k] * y[k];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(float* x, int length)
    {
        int k = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; k <= length - Vector<float>.Count; k += Vector<float>.Count) acc += Vector.Load(x + k);
            sum = Vector.Sum(acc);
        }
        for (; k < length; k++) sum += x[k];
        return sum;
    }
}
