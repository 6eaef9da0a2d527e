using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Tests.Grids;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// The fused backward pass writes dL/dC straight into a leaf coefficient tensor's .grad (CoefficientGradient): the
/// .grad must be what autograd's own accumulation gives in every situation, checked against the tensor-op path
/// (whose gradient autograd accumulates itself).
/// </summary>
[Collection("Torch")]
public class CoefficientGradientTests
{
    private sealed record Setup(SparseGridLayer Layer, Tensor H, Tensor C0, Tensor Upstream, Tensor Reference);

    /// <summary>A layer, inputs, coefficients and the tensor-op path's dL/dC of loss = sum(y * upstream).</summary>
    private static Setup Make(GridType type, ScalarType dtype, bool spatiallyAdaptive = false) =>
        Make(spatiallyAdaptive ? SpatialGrids.Random(type, 3, 2, 12, 31) : SparseGrid.Create(3, 4, type), 3, dtype);

    private static Setup Make(SparseGrid grid, int outputs, ScalarType dtype, int batch = 40)
    {
        var layer = new SparseGridLayer(grid, outputs, new SparseGridLayerOptions { DType = dtype });
        var h = LayerTestData.Points(batch, grid.Dim, layer.Grid.MaxLevel1D, 11, dtype);
        var c0 = LayerTestData.Coefficients(layer.Grid.PointCount, outputs, 12, dtype);
        var upstream = LayerTestData.Coefficients(batch, outputs, 13, dtype);
        var c = c0.clone().requires_grad_(true);
        (layer.Evaluate(h, c, LayerPath.TensorOps) * upstream).sum().backward();
        return new Setup(layer, h, c0, upstream, c.grad!.clone());
    }

    private static Tensor FusedLoss(Setup s, Tensor c) => (s.Layer.Evaluate(s.H, c, LayerPath.Fused) * s.Upstream).sum();

    private static void AssertClose(Tensor expected, Tensor? actual, string what)
    {
        Assert.NotNull(actual);
        double tol = (expected.dtype == ScalarType.Float64 ? 1e-12 : 1e-5) * Math.Max(1, LayerTestData.MaxAbs(expected));
        double diff = LayerTestData.MaxAbsDiff(expected, actual!);
        Assert.True(diff <= tol, $"{what}: differs from the tensor-op path's gradient by {diff}");
    }

    public static IEnumerable<object[]> Cases() =>
        from type in LayerTestData.AllTypes
        from dtype in new[] { ScalarType.Float32, ScalarType.Float64 }
        select new object[] { type, dtype };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsAccumulateOverBackwardPassesAndRestartAfterZeroGrad(GridType type, ScalarType dtype)
    {
        // Spatially adaptive (partial subspaces, absent points) where refinement supports the type.
        foreach (bool spatiallyAdaptive in type == GridType.LinearExtendedBoundary ? new[] { false } : new[] { false, true })
        {
            using var scope = NewDisposeScope();
            AccumulateAndRestart(Make(type, dtype, spatiallyAdaptive));
        }
    }

    private static void AccumulateAndRestart(Setup s)
    {
        using var scope = NewDisposeScope();
        var p = new Parameter(s.C0.clone());
        FusedLoss(s, p).backward();
        AssertClose(s.Reference, p.grad, "first backward (no .grad before)");
        FusedLoss(s, p).backward();
        AssertClose(s.Reference * 2, p.grad, "second backward (accumulated)");

        // zero_grad(set_to_none: false): the same .grad tensor, zeroed, then written again.
        using var before = p.grad!;
        p.grad!.zero_();
        FusedLoss(s, p).backward();
        AssertClose(s.Reference, p.grad, "after zeroing in place");
        Assert.Equal(TensorData.Pointer(before), TensorData.Pointer(p.grad!));

        // Set to none: a new .grad; a gradient the caller kept from before is not written to.
        var kept = p.grad!.clone();
        using var old = p.grad!;
        p.grad = null;
        FusedLoss(s, p).backward();
        AssertClose(s.Reference, p.grad, "after setting .grad to none");
        Assert.Equal(0.0, LayerTestData.MaxAbsDiff(kept, old));
    }

    public static IEnumerable<object[]> RowCases() =>
        from outputs in new[] { 5, 10, 17 }
        from dtype in new[] { ScalarType.Float32, ScalarType.Float64 }
        select new object[] { outputs, dtype };

    [Theory]
    [MemberData(nameof(RowCases))]
    public void VectorRowsAccumulateInTheWorkersBlockAndInPlaceBeyondIt(int outputs, ScalarType dtype)
    {
        // Outputs wide enough for vector rows (a worker's padded dL/dC block, whole or masked tails): d = 1, level 14 has
        // subspaces of 1 .. 8,192 points, the largest beyond the block's 256 KiB (updated in dL/dC directly); a
        // spatially adaptive grid adds partial subspaces. Overwriting (no .grad) and adding to a .grad, in both.
        foreach (var grid in new[] { SparseGrid.Create(1, 14), SpatialGrids.Random(GridType.Linear, 3, 2, 12, 31) })
        {
            using var scope = NewDisposeScope();
            AccumulateAndRestart(Make(grid, outputs, dtype, batch: 300));
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void ThroughAnOptimizerLikeTraining(ScalarType dtype)
    {
        // Optimiser steps with .grad zeroed in place (TorchSharp's optimizers) or set to none, against the same steps
        // on the tensor-op path.
        foreach (bool setToNone in new[] { true, false })
        {
            using var scope = NewDisposeScope();
            var s = Make(GridType.Linear, dtype);
            var fused = new Parameter(s.C0.clone());
            var reference = new Parameter(s.C0.clone());
            var optFused = optim.SGD([fused], 0.5);
            var optReference = optim.SGD([reference], 0.5);
            for (int step = 0; step < 3; step++)
            {
                ZeroGrad(optFused, fused, setToNone);
                FusedLoss(s, fused).backward();
                optFused.step();
                ZeroGrad(optReference, reference, setToNone);
                (s.Layer.Evaluate(s.H, reference, LayerPath.TensorOps) * s.Upstream).sum().backward();
                optReference.step();
                AssertClose(reference.detach(), fused.detach(), $"coefficients after step {step}, set_to_none {setToNone}");
            }
        }
    }

    private static void ZeroGrad(optim.Optimizer optimizer, Parameter p, bool setToNone)
    {
        if (setToNone) p.grad = null;
        else optimizer.zero_grad();
    }

    [Fact]
    public void OtherUsesOfTheCoefficientsAddTheirGradient()
    {
        using var scope = NewDisposeScope();
        var s = Make(GridType.LinearBoundary, ScalarType.Float64);
        var p = new Parameter(s.C0.clone());
        (FusedLoss(s, p) + 0.5 * p.pow(2).sum()).backward();
        AssertClose(s.Reference + s.C0, p.grad, "layer plus a penalty on the coefficients");
    }

    [Fact]
    public void AutogradGradReturnsTheGradientAndLeavesDotGradAlone()
    {
        using var scope = NewDisposeScope();
        var s = Make(GridType.Linear, ScalarType.Float64);
        var p = new Parameter(s.C0.clone());
        var grads = autograd.grad([FusedLoss(s, p)], [p]);
        AssertClose(s.Reference, grads[0], "autograd.grad");
        Assert.Null(p.grad);

        p.grad = full_like(s.C0, 3.0);
        grads = autograd.grad([FusedLoss(s, p)], [p]);
        AssertClose(s.Reference, grads[0], "autograd.grad with a .grad present");
        AssertClose(full_like(s.C0, 3.0), p.grad, "the .grad autograd.grad must not touch");
    }

    [Fact]
    public void BackwardForNamedInputsOnlyLeavesTheCoefficientsAlone()
    {
        using var scope = NewDisposeScope();
        var s = Make(GridType.Linear, ScalarType.Float64);
        var p = new Parameter(s.C0.clone());
        var h = s.H.clone().requires_grad_(true);
        (s.Layer.Evaluate(h, p, LayerPath.Fused) * s.Upstream).sum().backward(inputs: [h]);
        Assert.Null(p.grad);
        Assert.NotNull(h.grad);
    }

    [Fact]
    public void CoefficientsComputedFromAParameterGetTheChainRule()
    {
        using var scope = NewDisposeScope();
        var s = Make(GridType.ModifiedLinear, ScalarType.Float64);
        var p = new Parameter(s.C0.clone() / 2);
        FusedLoss(s, p * 2).backward();
        AssertClose(s.Reference * 2, p.grad, "parameter behind c = 2 p");
    }

    [Fact]
    public void TheEngineIsAskedWhatItRuns()
    {
        // The in-place path depends on this answer (Linux, where libtorch's exec_info can be read): true inside a
        // plain backward(), false for autograd.grad, backward(inputs: ...) and outside any backward pass.
        using var scope = NewDisposeScope();
        Assert.False(AutogradGraphTask.RunsWholeGraph());
        var x = tensor(new[] { 1.0, 2.0 }).requires_grad_(true);
        ProbeFunction.Seen = null;
        ProbeFunction.apply(x).sum().backward();
        Assert.Equal(OperatingSystem.IsLinux(), ProbeFunction.Seen);
        ProbeFunction.Seen = null;
        autograd.grad([ProbeFunction.apply(x).sum()], [x]);
        Assert.False(ProbeFunction.Seen);
        ProbeFunction.Seen = null;
        ProbeFunction.apply(x).sum().backward(inputs: [x]);
        Assert.False(ProbeFunction.Seen);
    }

    /// <summary>Identity whose backward records what <see cref="AutogradGraphTask.RunsWholeGraph"/> said.</summary>
    private sealed class ProbeFunction : autograd.SingleTensorFunction<ProbeFunction>
    {
        public static bool? Seen;

        public override string Name => nameof(ProbeFunction);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).clone();

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            Seen = AutogradGraphTask.RunsWholeGraph();
            return [gradOutput.clone()];
        }
    }
}
