using NeuralSparseGrids.Grids;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// The fused CPU kernel as a TorchSharp custom autograd function: apply(grid, h (batch, d), C (points, outputs))
/// -> (batch, outputs). Backward returns dL/dh and dL/dC for whichever of h and C required gradients at forward time;
/// for a leaf C (the layer's Parameter) under a plain backward() it writes dL/dC straight into C.grad instead, adding to
/// an existing .grad as autograd would (<see cref="CoefficientGradient"/> says when and why).
/// </summary>
internal sealed class FusedSparseGridFunction : autograd.SingleTensorFunction<FusedSparseGridFunction>
{
    /// <inheritdoc />
    public override string Name => "SparseGridFused";

    /// <summary>Evaluates the layer; the autograd graph records this node if h or C requires gradients.</summary>
    public static Tensor Apply(SparseGrid grid, Tensor h, Tensor coefficients) => apply(grid, h, coefficients);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var grid = (SparseGrid)vars[0];
        var h = ((Tensor)vars[1]).contiguous();
        var c = ((Tensor)vars[2]).contiguous();
        ctx.save_data("grid", grid);
        ctx.save_data("needH", ((Tensor)vars[1]).requires_grad);
        ctx.save_data("needC", ((Tensor)vars[2]).requires_grad);
        ctx.save_for_backward([h, c]);
        var output = torch.empty([h.shape[0], c.shape[1]], c.dtype);
        int n = (int)h.shape[0], o = (int)c.shape[1], threads = torch.get_num_threads();
        if (c.dtype == ScalarType.Float64)
            FusedKernel<double>.Forward(grid, TensorData.Pointer(h), TensorData.Pointer(c), TensorData.Pointer(output), n, o, threads);
        else
            FusedKernel<float>.Forward(grid, TensorData.Pointer(h), TensorData.Pointer(c), TensorData.Pointer(output), n, o, threads);
        return output;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var grid = (SparseGrid)ctx.get_data("grid");
        bool needH = (bool)ctx.get_data("needH"), needC = (bool)ctx.get_data("needC");
        var saved = ctx.get_saved_variables();
        Tensor? gc = null;
        try
        {
            var h = saved[0];
            var c = saved[1];
            using var g = gradOutput.contiguous();
            int n = (int)h.shape[0], o = (int)c.shape[1], threads = torch.get_num_threads();
            var gh = needH ? torch.zeros_like(h) : null;
            var target = needC ? CoefficientGradient.For(c) : default;
            gc = target.Buffer;
            nint ghp = gh is null ? 0 : TensorData.Pointer(gh), gcp = gc is null ? 0 : TensorData.Pointer(gc);
            if (c.dtype == ScalarType.Float64)
                FusedKernel<double>.Backward(grid, TensorData.Pointer(h), TensorData.Pointer(c), TensorData.Pointer(g), ghp, gcp, n, o, threads, accumulateGc: target.Accumulate);
            else
                FusedKernel<float>.Backward(grid, TensorData.Pointer(h), TensorData.Pointer(c), TensorData.Pointer(g), ghp, gcp, n, o, threads, accumulateGc: target.Accumulate);
            if (!target.InPlace) return [null!, gh!, gc!];
            target.Finish(c);
            return [null!, gh!, null!];   // dL/dC is in c.grad already: nothing for AccumulateGrad to add
        }
        finally
        {
            foreach (var t in saved) t.Dispose();
        }
    }
}
