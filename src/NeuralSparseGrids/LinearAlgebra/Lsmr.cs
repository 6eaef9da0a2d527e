using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.LinearAlgebra;

/// <summary>
/// LSMR (Fong and Saunders 2011, "LSMR: an iterative algorithm for sparse least-squares problems", SIAM J. Sci.
/// Comput. 33(5)): min ||A x - b|| for an operator A given by its products with vectors and with A^T. Golub-Kahan
/// bidiagonalization with two plane rotations per step, so ||A^T r|| decreases monotonically; mathematically
/// equivalent to MINRES on the normal equations without forming A^T A (better conditioned than CG on them).
/// All columns of b are solved at once, each with its own scalars. Built from differentiable torch ops with no
/// data-dependent branches: unrolled for a fixed iteration count it is the ILS map whose gradients flow into A and b.
/// Damping and warm starts are expressed by the caller through the operator (see <c>Training.LsmrSolver</c>).
/// </summary>
public static class Lsmr
{
    /// <summary>Runs LSMR from x = 0.</summary>
    /// <param name="a">v (n, columns) -> A v (m, columns).</param>
    /// <param name="aTranspose">u (m, columns) -> A^T u (n, columns).</param>
    /// <param name="b">Right-hand side, (m, columns).</param>
    /// <param name="iterations">Iteration limit (at least 1).</param>
    /// <param name="tolerance">
    /// 0: exactly <paramref name="iterations"/> iterations (unrolled, differentiable). Positive: stop once every column's
    /// estimate of ||A^T r|| (LSMR's |zeta-bar|) is at most tolerance times ||A^T b||; use under <c>no_grad</c>.
    /// </param>
    /// <returns>x (n, columns) and the iterations done.</returns>
    public static (Tensor X, int Iterations) Solve(Func<Tensor, Tensor> a, Func<Tensor, Tensor> aTranspose, Tensor b, int iterations, double tolerance = 0)
    {
        if (iterations < 1) throw new ArgumentException("At least one LSMR iteration is needed.");
        if (tolerance < 0 || !double.IsFinite(tolerance)) throw new ArgumentException($"LSMR tolerance must be finite and >= 0 (got {tolerance}).");
        using var scope = torch.NewDisposeScope();
        // Initialisation (Fong and Saunders, Algorithm 1, with damp = 0): beta_1 u_1 = b, alpha_1 v_1 = A^T u_1.
        var beta = IterationState.ColumnNorms(b);
        var u = b / beta;
        var v = aTranspose(u);
        var alpha = IterationState.ColumnNorms(v);
        v = v / alpha;
        var zetabar = alpha * beta;
        var normArB = zetabar.detach().clone();
        var alphabar = alpha.clone();
        var rho = torch.ones_like(alpha);
        var rhobar = torch.ones_like(alpha);
        var cbar = torch.ones_like(alpha);
        var sbar = torch.zeros_like(alpha);
        var h = v.clone();
        var hbar = torch.zeros_like(v);
        var x = torch.zeros_like(v);
        int it = 0;
        while (it < iterations)
        {
            it++;
            using var step = torch.NewDisposeScope();
            // Continue the bidiagonalization: beta u = A v - alpha u, alpha v = A^T u - beta v.
            var uNext = a(v) - u * alpha;
            var betaNext = IterationState.ColumnNorms(uNext);
            uNext = uNext / betaNext;
            var vNext = aTranspose(uNext) - v * betaNext;
            var alphaNext = IterationState.ColumnNorms(vNext);
            vNext = vNext / alphaNext;
            // Rotation Q_k turns the lower bidiagonal B_k into upper R_k.
            var rhoNext = IterationState.Hypot(alphabar, betaNext);
            var c = alphabar / rhoNext;
            var s = betaNext / rhoNext;
            var thetaNew = s * alphaNext;
            var alphabarNext = c * alphaNext;
            // Rotation Qbar_k turns R_k^T into Rbar_k.
            var thetabar = sbar * rhoNext;
            var rhobarNext = IterationState.Hypot(cbar * rhoNext, thetaNew);
            var cbarNext = cbar * rhoNext / rhobarNext;
            var sbarNext = thetaNew / rhobarNext;
            var zeta = cbarNext * zetabar;
            var zetabarNext = -sbarNext * zetabar;
            // Update h, hbar and x.
            var hbarNext = h - hbar * (thetabar * rhoNext / (rho * rhobar));
            var xNext = x + hbarNext * (zeta / (rhoNext * rhobarNext));
            var hNext = vNext - h * (thetaNew / rhoNext);
            IterationState.Replace(ref u, uNext);
            IterationState.Replace(ref v, vNext);
            IterationState.Replace(ref alpha, alphaNext);
            IterationState.Replace(ref alphabar, alphabarNext);
            IterationState.Replace(ref rho, rhoNext);
            IterationState.Replace(ref rhobar, rhobarNext);
            IterationState.Replace(ref cbar, cbarNext);
            IterationState.Replace(ref sbar, sbarNext);
            IterationState.Replace(ref zetabar, zetabarNext);
            IterationState.Replace(ref hbar, hbarNext);
            IterationState.Replace(ref x, xNext);
            IterationState.Replace(ref h, hNext);
            if (tolerance > 0 && zetabar.detach().abs().le(normArB * tolerance).all().item<bool>()) break;
        }
        return (x.MoveToOuterDisposeScope(), it);
    }
}
