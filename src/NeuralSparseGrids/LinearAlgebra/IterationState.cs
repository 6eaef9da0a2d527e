using static TorchSharp.torch;

namespace NeuralSparseGrids.LinearAlgebra;

/// <summary>Bookkeeping shared by the iterative solvers, which run each iteration in its own dispose scope.</summary>
internal static class IterationState
{
    /// <summary>
    /// Moves <paramref name="next"/> out of the iteration's scope into <paramref name="current"/> and disposes the
    /// previous value, so a long solve holds a constant number of tensors. Safe under autograd: the graph keeps its
    /// own references to what backward needs. The state must start as tensors the solver made itself.
    /// </summary>
    public static void Replace(ref Tensor current, Tensor next)
    {
        var previous = current;
        current = next.MoveToOuterDisposeScope();
        if (!ReferenceEquals(previous, current)) previous.Dispose();
    }

    /// <summary>Column norms of (rows, columns), kept away from 0 by a tiny floor so sqrt stays differentiable.</summary>
    public static Tensor ColumnNorms(Tensor t) => (t * t).sum(dim: 0).add(Floor(t.dtype)).sqrt();

    /// <summary>sqrt(a^2 + b^2) with the same floor.</summary>
    public static Tensor Hypot(Tensor a, Tensor b) => (a * a + b * b).add(Floor(a.dtype)).sqrt();

    // Squared floor: far below any squared norm that matters in the dtype, above its smallest normal number.
    private static double Floor(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-300 : 1e-30;
}
