using System.Diagnostics;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// One gradient-method training step of a small MLP-encoder NSG in a single C# pass: gather the batch rows, MLP
/// forward, rescaling, the fused sparse grid kernel, the loss (MSE or cross-entropy, mean over the batch as torch
/// computes them), and back again, writing every parameter's gradient. Replaces ZeroGrad + forward + loss + backward
/// of the autograd path with the same arithmetic (agreement to float32 rounding is tested); the optimizer step,
/// gradient hooks (frozen encoder, clipping) and everything else of the loop stay as they are.
/// </summary>
/// <remarks>
/// Why: a swiss roll step (3-25-25-2 MLP, 321-point grid, batch 64) does about 0.1 MFLOP of work but dozens of
/// TorchSharp calls, autograd nodes and tensor allocations, each costing microseconds; that overhead was most of the
/// step. Here all buffers are allocated once and a step makes a handful of native calls (parameter and gradient
/// pointers). Larger encoders go through torch, whose BLAS is faster there: see <see cref="MaxEncoderWeights"/>.
/// Float32 only: encoders and coefficients in other dtypes use the autograd path.
/// </remarks>
internal sealed unsafe class FusedMlpStep
{
    /// <summary>
    /// Largest number of encoder weights (sum of in x out over the Linear layers) trained by this step: 4,096, e.g. a
    /// 3-40-40-2 encoder or two hidden layers of 60 and 30. Beyond it the per-call overhead this step saves is small
    /// beside the matrix products, which torch's BLAS does faster than these plain vector loops.
    /// </summary>
    public const int MaxEncoderWeights = 4096;

    private readonly NeuralSparseGrid _model;
    private readonly Linear[] _linears;
    private readonly int[] _sizes;
    private readonly Activation _activation;
    private readonly bool _classification;
    private readonly int _threads;
    // The MLP runs feature-major ((size, n): SmallDense's layout); the latent and everything after it batch-major (n, d).
    private float[][] _activations = [];   // per layer: its input (size, n); the last: the raw latent z (d, n)
    private float[][] _deltas = [];        // dL/d(_activations[l]) (size, n), for l >= 1
    private float[] _z = [], _sig = [], _h = [], _out = [], _gOut = [], _gh = [];
    private int _capacity;

    private FusedMlpStep(NeuralSparseGrid model, MlpEncoder encoder, bool classification, int threads)
    {
        _model = model;
        _linears = encoder.LinearLayers.ToArray();
        _sizes = encoder.LayerSizes.ToArray();
        _activation = encoder.Activation;
        _classification = classification;
        _threads = threads;
    }

    /// <summary>
    /// The fused step for <paramref name="model"/> trained on <paramref name="train"/> with <paramref name="options"/>,
    /// or null where the autograd path must run: another method, a spread penalty, a dense head, a CNN or a large MLP
    /// encoder, a layer not on the fused CPU path, or parameters or data that are not contiguous CPU float32.
    /// </summary>
    public static FusedMlpStep? TryCreate(NeuralSparseGrid model, TrainingOptions options, TrainingSplit train)
    {
        if (!options.FusedStep || options.Method != TrainingMethod.Gradient || options.Spread > 0) return null;
        if (model.DenseHead != null || model.Encoder is not MlpEncoder encoder) return null;
        var layer = model.Layer;
        if (layer.Path is not (LayerPath.Auto or LayerPath.Fused) || layer.Options.DType != ScalarType.Float32) return null;
        var linears = encoder.LinearLayers;
        if (linears.Any(l => l.bias is null) || linears.Sum(l => l.weight!.numel()) > MaxEncoderWeights) return null;
        if (!model.parameters().All(p => p.device_type == DeviceType.CPU && p.dtype == ScalarType.Float32 && p.is_contiguous())) return null;
        if (train.X.device_type != DeviceType.CPU || train.X.dtype != ScalarType.Float32 || !train.X.is_contiguous() || train.X.dim() != 2) return null;
        if (!train.Y.is_contiguous() || train.Y.dtype != (train.IsClassification ? ScalarType.Int64 : ScalarType.Float32)) return null;
        return new FusedMlpStep(model, encoder, train.IsClassification, torch.get_num_threads());
    }

    /// <summary>Wall seconds of the last <see cref="Run"/>'s sparse grid backward pass (the price of mass gathering, see <see cref="EpochEmbeddings"/>).</summary>
    public double BackwardSeconds { get; private set; }

    /// <summary>
    /// Loss of the batch of rows <paramref name="rows"/> of x (rows, inputs) and y (rows, outputs) or labels (rows);
    /// every trained parameter's gradient is overwritten with the loss's gradient (no ZeroGrad needed). With
    /// <paramref name="gather"/> the batch's embeddings are recorded there (an epoch before a grid adaptation step),
    /// and its data mass per grid point where that epoch gathers it.
    /// </summary>
    /// <exception cref="ArgumentException">The embeddings contain NaN (or leave the box; <see cref="InputCheck"/>).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot from the first step: see SmallDense's remarks
    public double Run(Tensor x, Tensor y, ReadOnlySpan<int> rows, EpochEmbeddings? gather = null)
    {
        int n = rows.Length, layers = _linears.Length, d = _sizes[^1];
        Reserve(n);
        var layer = _model.Layer;   // read afresh: grid adaptation replaces it
        int o = layer.Outputs;
        var weights = new Tensor[layers];
        var biases = new Tensor[layers];
        for (int l = 0; l < layers; l++) { weights[l] = _linears[l].weight!; biases[l] = _linears[l].bias!; }
        var coefficients = layer.Coefficients;
        EnsureGradients([.. weights, .. biases, coefficients]);

        Gather((float*)TensorData.Pointer(x), rows, _activations[0], _sizes[0]);
        for (int l = 0; l < layers; l++)
        {
            fixed (float* a = _activations[l], z = _activations[l + 1])
                SmallDense.LinearForward(a, Ptr(weights[l]), Ptr(biases[l]), z, n, _sizes[l], _sizes[l + 1]);
            if (l + 1 < layers) SmallDense.Activate(_activation, _activations[l + 1].AsSpan(0, n * _sizes[l + 1]));
        }
        var h = _h.AsSpan(0, n * d);
        SmallDense.Transpose(_activations[layers].AsSpan(0, n * d), _z, d, n);
        SmallDense.Rescale(_model.Rescaling, _z.AsSpan(0, n * d), _sig.AsSpan(0, n * d), h);
        InputCheck.Validate<float>(h, d, SparseGridLayer.InputTolerance, layer.Options.Clamp);
        gather?.Record(rows, h);

        using var coefficientGrad = coefficients.grad!;
        double loss;
        fixed (float* hp = _h, outp = _out, gOut = _gOut, gh = _gh)
        {
            float* c = Ptr(coefficients);
            FusedKernel<float>.Forward(layer.Grid, (nint)hp, (nint)c, (nint)outp, n, o, _threads);
            loss = _classification
                ? CrossEntropy(outp, (long*)TensorData.Pointer(y), rows, gOut, n, o)
                : MeanSquaredError(outp, (float*)TensorData.Pointer(y), rows, gOut, n, o);
            new Span<float>(gh, n * d).Clear();
            // The batch's data mass per point rides along the dL/dC update (EpochEmbeddings says when, and how it is priced).
            long[]? mass = gather?.MassUnitsFor(layer.Grid);
            long start = Stopwatch.GetTimestamp();
            fixed (long* massUnits = mass)
                FusedKernel<float>.Backward(layer.Grid, (nint)hp, (nint)c, (nint)gOut, (nint)gh, TensorData.Pointer(coefficientGrad), n, o, _threads,
                    massUnits: (nint)massUnits);
            BackwardSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        SmallDense.RescaleBackward(_model.Rescaling, _sig.AsSpan(0, n * d), _gh.AsSpan(0, n * d));
        var delta = _deltas[layers];
        SmallDense.Transpose(_gh.AsSpan(0, n * d), delta, n, d);

        for (int l = layers - 1; l >= 0; l--)
        {
            using var dw = weights[l].grad!;
            using var db = biases[l].grad!;
            float[]? below = l > 0 ? _deltas[l] : null;
            fixed (float* a = _activations[l], dp = delta, da = below)
                SmallDense.LinearBackward(a, Ptr(weights[l]), dp, Ptr(dw), Ptr(db), da, n, _sizes[l], _sizes[l + 1]);
            if (below is null) break;
            SmallDense.ActivationBackward(_activation, _activations[l].AsSpan(0, n * _sizes[l]), below.AsSpan(0, n * _sizes[l]));
            delta = below;
        }
        return loss;
    }

    private static float* Ptr(Tensor t) => (float*)TensorData.Pointer(t);

    // Gradients must exist as tensors to be written: a first step (or an optimizer that sets them to None) gets
    // zero-filled ones from a backward pass of 0 x the parameters' sum.
    private static void EnsureGradients(Tensor[] parameters)
    {
        bool missing = false;
        foreach (var p in parameters)
        {
            using var g = p.grad;
            missing |= g is null;
        }
        if (!missing) return;
        using var scope = torch.NewDisposeScope();
        Tensor total = torch.zeros(1);
        foreach (var p in parameters) total = total + (p * 0).sum();
        total.backward();
    }

    // The batch's rows of x (rows, width) into (width, n), feature-major.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(float* x, ReadOnlySpan<int> rows, float[] into, int width)
    {
        int n = rows.Length;
        for (int b = 0; b < n; b++)
        {
            float* row = x + (long)rows[b] * width;
            for (int k = 0; k < width; k++) into[k * n + b] = row[k];
        }
    }

    // torch's mse_loss (mean over n x o) and its gradient 2 (out - y) / (n o).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double MeanSquaredError(float* output, float* y, ReadOnlySpan<int> rows, float* g, int n, int o)
    {
        double sum = 0;
        float scale = 2f / (n * o);
        for (int b = 0; b < n; b++)
            for (int k = 0; k < o; k++)
            {
                float r = output[b * o + k] - y[(long)rows[b] * o + k];
                sum += (double)r * r;
                g[b * o + k] = scale * r;
            }
        return sum / (n * o);
    }

    // torch's cross_entropy of logits (n, o) and labels (mean over n) and its gradient (softmax - onehot) / n.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double CrossEntropy(float* logits, long* labels, ReadOnlySpan<int> rows, float* g, int n, int o)
    {
        double sum = 0;
        for (int b = 0; b < n; b++)
        {
            float* row = logits + b * o;
            long label = labels[rows[b]];
            if (label < 0 || label >= o) throw new ArgumentException($"Training row {rows[b]} has label {label}, outside [0, {o}).");
            float max = row[0];
            for (int k = 1; k < o; k++) max = Math.Max(max, row[k]);
            double partition = 0;
            for (int k = 0; k < o; k++) partition += Math.Exp(row[k] - max);
            sum += Math.Log(partition) + max - row[label];
            for (int k = 0; k < o; k++)
                g[b * o + k] = (float)((Math.Exp(row[k] - max) / partition - (k == label ? 1 : 0)) / n);
        }
        return sum / n;
    }

    private void Reserve(int n)
    {
        if (n <= _capacity) return;
        int o = _model.Layer.Outputs, d = _sizes[^1];
        _activations = _sizes.Select(s => new float[n * s]).ToArray();
        _deltas = _sizes.Select(s => new float[n * s]).ToArray();
        _z = new float[n * d];
        _sig = new float[n * d];
        _h = new float[n * d];
        _gh = new float[n * d];
        _out = new float[n * o];
        _gOut = new float[n * o];
        _capacity = n;
    }
}
