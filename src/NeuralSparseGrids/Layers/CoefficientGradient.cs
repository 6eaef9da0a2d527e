using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// Where the fused backward pass writes dL/dC (points, outputs): straight into the .grad of a leaf coefficient tensor
/// (a Parameter) when that is exactly what autograd would do with the returned gradient, else into a fresh tensor
/// that is returned to autograd as usual.
/// </summary>
/// <remarks>
/// Why: a gradient returned from a TorchSharp custom function is still referenced by its C# handle when libtorch's
/// AccumulateGrad runs, so AccumulateGrad never adopts it: with no .grad it copies it (a second (points, outputs)
/// buffer, fresh pages and a full copy), with a .grad it adds it (a full read-read-write pass). For d = 8, level 7
/// and 10 outputs that is 5.7 MB per step, a large part of the whole step. Writing in place does the same arithmetic
/// as autograd: with no .grad the kernel fills a fresh tensor (each block cleared by its owning thread) that becomes
/// .grad; with a .grad it adds dL/dC to it, as AccumulateGrad's in-place add would.
/// <para>
/// Only where the result is certainly the same: the coefficients are a leaf that requires gradients, the engine runs
/// a plain backward() over the whole graph (<see cref="AutogradGraphTask"/>: not autograd.grad, which captures
/// gradients instead of accumulating them, nor backward(inputs: ...)), gradients are not being recorded
/// (create_graph: AccumulateGrad would then build a new .grad out of place), and an existing .grad is a contiguous
/// CPU tensor of the coefficients' shape and dtype that does not itself require gradients. Otherwise the gradient
/// is returned. Other uses of the same coefficients in the graph still reach AccumulateGrad, which runs after this
/// node (it waits for all its inputs) and adds to the .grad written here.
/// </para>
/// </remarks>
internal readonly struct CoefficientGradient
{
    private CoefficientGradient(Tensor buffer, bool accumulate, bool inPlace, bool assign)
    {
        Buffer = buffer;
        Accumulate = accumulate;
        InPlace = inPlace;
        _assign = assign;
    }

    private readonly bool _assign;

    /// <summary>The (points, outputs) buffer the kernel writes dL/dC into.</summary>
    public Tensor? Buffer { get; }

    /// <summary>True if the kernel adds to Buffer (an existing .grad) instead of overwriting it.</summary>
    public bool Accumulate { get; }

    /// <summary>True if Buffer is (or becomes, in <see cref="Finish"/>) the coefficients' .grad.</summary>
    public bool InPlace { get; }

    /// <summary>Chooses the buffer for the coefficients <paramref name="c"/> (as saved for backward).</summary>
    public static CoefficientGradient For(Tensor c)
    {
        if (!c.is_leaf || !c.requires_grad || is_grad_enabled() || !AutogradGraphTask.RunsWholeGraph())
            return new CoefficientGradient(empty_like(c), accumulate: false, inPlace: false, assign: false);
        var existing = c.grad;
        if (existing is null) return new CoefficientGradient(empty_like(c), accumulate: false, inPlace: true, assign: true);
        if (existing.device_type == DeviceType.CPU && existing.dtype == c.dtype && existing.is_contiguous()
            && !existing.requires_grad && existing.shape.SequenceEqual(c.shape))
            return new CoefficientGradient(existing, accumulate: true, inPlace: true, assign: false);
        existing.Dispose();
        return new CoefficientGradient(empty_like(c), accumulate: false, inPlace: false, assign: false);
    }

    /// <summary>After the kernel: makes a fresh buffer the coefficients' .grad and releases this handle.</summary>
    public void Finish(Tensor c)
    {
        if (!InPlace) return;
        if (_assign) c.grad = Buffer;
        Buffer!.Dispose();
    }
}
