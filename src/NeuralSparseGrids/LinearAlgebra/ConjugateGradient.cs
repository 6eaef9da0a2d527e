using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.LinearAlgebra;

/// <summary>
/// The project's one conjugate-gradient routine: A X = B for a symmetric positive (semi-)definite A given only as a
/// product, all columns of X solved at once (one product per iteration serves every column; each column keeps its own
/// step sizes). Used unrolled and differentiable by ILS (<c>Training.ConjugateGradientSolver</c>), and to convergence
/// by the classic sparse grid learner (<c>Regression.SparseGridRegression</c>).
/// </summary>
public static class ConjugateGradient
{
    /// <summary>What a solve did: iterations and the final relative residual ||r|| / ||b|| per column.</summary>
    public readonly record struct Report(int Iterations, double[] RelativeResiduals);

    /// <summary>
    /// Runs CG from <paramref name="start"/>. With <paramref name="tolerance"/> 0 it does exactly
    /// <paramref name="iterations"/> iterations with no data-dependent branches, so gradients flow through every
    /// step into whatever <paramref name="apply"/> and <paramref name="rhs"/> depend on (the ILS map of Eq. 3.13).
    /// With a positive tolerance a column stops once ||r|| &lt;= tolerance * ||b|| and the loop ends when all have
    /// (or at <paramref name="iterations"/>); use that under <c>no_grad</c>.
    /// </summary>
    /// <param name="apply">v (n, columns) -> A v (n, columns).</param>
    /// <param name="rhs">B, (n, columns).</param>
    /// <param name="start">X0, (n, columns); not modified (the result never aliases it).</param>
    /// <param name="iterations">Iteration limit (at least 1).</param>
    /// <param name="tolerance">Relative residual at which a column stops; 0: unrolled, fixed count.</param>
    /// <returns>X (n, columns) in <paramref name="rhs"/>'s dtype, and the report.</returns>
    public static (Tensor X, Report Report) Solve(Func<Tensor, Tensor> apply, Tensor rhs, Tensor start, int iterations, double tolerance = 0)
    {
        if (iterations < 1) throw new ArgumentException("At least one CG iteration is needed.");
        if (tolerance < 0 || !double.IsFinite(tolerance)) throw new ArgumentException($"CG tolerance must be finite and >= 0 (got {tolerance}).");
        using var scope = torch.NewDisposeScope();
        // A copy: start may share storage with a layer's coefficients that the caller overwrites in place after the
        // solve, while autograd still holds the iterate (K C saves C for the gradient with respect to K).
        var x = start.to(rhs.dtype).clone();
        var r = rhs - apply(x);
        var p = r.clone();
        var rr = (r * r).sum(dim: 0);
        var bNorm = (rhs * rhs).sum(dim: 0).sqrt();
        bool adaptive = tolerance > 0;
        Tensor? active = adaptive ? rr.sqrt() > bNorm * tolerance : null;
        int it = 0;
        while (it < iterations && (active is null || active.any().item<bool>()))
        {
            it++;
            // One scope per iteration: the new iterate moves out and the previous one is released, so a long
            // adaptive solve holds a constant number of tensors (autograd keeps what backward needs by itself).
            using var step = torch.NewDisposeScope();
            var ap = apply(p);
            // sum(dim: 0), not sum(0): the literal 0 would bind to sum(ScalarType) and mean Byte.
            // The tiny offset keeps converged columns (rr = p.Ap = 0) at alpha = beta = 0 instead of 0/0; it is far
            // below any p.Ap that matters and stays differentiable (no branches).
            var pap = (p * ap).sum(dim: 0);
            var alpha = rr / (pap + 1e-30);
            if (active is not null) alpha = torch.where(active, alpha, torch.zeros_like(alpha));
            var xNext = x + p * alpha;
            var rNext = r - ap * alpha;
            var rrNext = (rNext * rNext).sum(dim: 0);
            var beta = rrNext / (rr + 1e-30);
            var pNext = rNext + p * beta;
            Tensor? activeNext = null;
            if (active is not null)
            {
                activeNext = active.logical_and(rrNext.sqrt() > bNorm * tolerance).logical_and(pap > 0);
                pNext = pNext * activeNext.to(pNext.dtype);
                rrNext = torch.where(active, rrNext, rr);
            }
            IterationState.Replace(ref x, xNext);
            IterationState.Replace(ref r, rNext);
            IterationState.Replace(ref p, pNext);
            IterationState.Replace(ref rr, rrNext);
            if (activeNext is not null) IterationState.Replace(ref active!, activeNext);
        }
        double[] residuals = adaptive ? RelativeResiduals(rr, bNorm) : [];
        return (x.MoveToOuterDisposeScope(), new Report(it, residuals));
    }

    private static double[] RelativeResiduals(Tensor rr, Tensor bNorm)
    {
        using var noGrad = torch.no_grad();
        var rel = torch.where(bNorm > 0, rr.sqrt() / bNorm, torch.zeros_like(bNorm));
        return rel.to(ScalarType.Float64).data<double>().ToArray();
    }
}
