using System.Numerics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The dense arithmetic of <see cref="FusedMlpStep"/> on row-major float32 buffers: Linear layers y = W x + b with W
/// (out, in) as torch stores it, their gradients, and the element-wise activations and rescalings with their
/// derivatives written in terms of the activation's output (which is what the backward pass keeps).
/// </summary>
/// <remarks>
/// The loops are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: they run thousands of times per epoch
/// from the first step on, and under tiered compilation their unoptimised tier-0 code (no inlining of Dot, Axpy or
/// Vector.Load) stayed in use for tens of epochs on a loaded machine, several times slower than the optimised code.
/// </remarks>
internal static unsafe class SmallDense
{
    /// <summary>z (n, out) = a (n, in) W^T + bias, W (out, in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LinearForward(float* a, float* w, float* bias, float* z, int n, int inputs, int outputs)
    {
        for (int b = 0; b < n; b++)
        {
            float* row = a + (long)b * inputs, zr = z + (long)b * outputs;
            for (int j = 0; j < outputs; j++) zr[j] = bias[j] + Dot(w + (long)j * inputs, row, inputs);
        }
    }

    /// <summary>
    /// Gradients of a Linear layer for upstream delta (n, out) and its input a (n, in): dW (out, in) and db (out) are
    /// overwritten; da (n, in), when not null, is overwritten with delta W.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LinearBackward(float* a, float* w, float* delta, float* dw, float* db, float* da, int n, int inputs, int outputs)
    {
        new Span<float>(dw, outputs * inputs).Clear();
        new Span<float>(db, outputs).Clear();
        if (da != null) new Span<float>(da, n * inputs).Clear();
        for (int b = 0; b < n; b++)
        {
            float* row = a + (long)b * inputs, dr = delta + (long)b * outputs;
            for (int j = 0; j < outputs; j++)
            {
                float g = dr[j];
                if (g == 0) continue;   // ReLU zeros: nothing to add
                db[j] += g;
                Axpy(g, row, dw + (long)j * inputs, inputs);
                if (da != null) Axpy(g, w + (long)j * inputs, da + (long)b * inputs, inputs);
            }
        }
    }

    /// <summary>The hidden activation in place: z -> act(z) (n elements), as torch's modules compute it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Activate(Activation activation, Span<float> z)
    {
        switch (activation)
        {
            case Activation.ReLU: for (int i = 0; i < z.Length; i++) z[i] = Math.Max(z[i], 0f); break;
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
            case Activation.ReLU: for (int i = 0; i < g.Length; i++) g[i] = y[i] > 0 ? g[i] : 0f; break;
            case Activation.Tanh: for (int i = 0; i < g.Length; i++) g[i] *= 1 - y[i] * y[i]; break;
            case Activation.Sigmoid: for (int i = 0; i < g.Length; i++) g[i] *= y[i] * (1 - y[i]); break;
            case Activation.LeakyReLU: for (int i = 0; i < g.Length; i++) g[i] *= y[i] > 0 ? 1f : 0.01f; break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
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

    // y += alpha x
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(float alpha, float* x, float* y, int length)
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var a = new Vector<float>(alpha);
            for (; k <= length - Vector<float>.Count; k += Vector<float>.Count)
                Vector.Store(Vector.Load(y + k) + a * Vector.Load(x + k), y + k);
        }
        for (; k < length; k++) y[k] += alpha * x[k];
    }
}
