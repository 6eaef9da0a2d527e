using NeuralSparseGrids.LinearAlgebra;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Solves the ridge problem min ||K C - Y||^2 + lambda ||C||^2 of thesis Eq. 3.9 for the sparse grid coefficients C,
/// built from differentiable torch ops so that the LS and ILS methods back-propagate through the solve into the
/// encoder that produced K.
/// </summary>
public interface ICoefficientSolver
{
    /// <summary>Ridge regularisation lambda.</summary>
    double Lambda { get; }

    /// <summary>
    /// C (G, outputs) in K's dtype for K (N, G) and Y (N, outputs). <paramref name="previous"/> (G, outputs) is the
    /// warm start of iterative solvers (the ILS map g_{lambda,t}(C, K, Y) of Eq. 3.13); direct solvers ignore it. The
    /// result never aliases <paramref name="previous"/>.
    /// </summary>
    Tensor Solve(Tensor k, Tensor y, Tensor previous);
}

/// <summary>The closed form of Eqs. 3.10/3.11 (<see cref="RidgeSolver.Solve"/>): the LS method's solver.</summary>
/// <param name="Lambda">Ridge lambda (&gt; 0).</param>
public sealed record RidgeClosedForm(double Lambda) : ICoefficientSolver
{
    /// <inheritdoc />
    public Tensor Solve(Tensor k, Tensor y, Tensor previous) => RidgeSolver.Solve(k, y, Lambda);
}

/// <summary>
/// <paramref name="Iterations"/> warm-started <see cref="ConjugateGradient"/> iterations on (K^T K + lambda I) C = K^T Y,
/// matrix-free (products with K and K^T only): the thesis' ILS map (Eq. 3.13).
/// </summary>
/// <param name="Lambda">Ridge lambda (&gt;= 0).</param>
/// <param name="Iterations">Iterations t per solve.</param>
public sealed record ConjugateGradientSolver(double Lambda, int Iterations) : ICoefficientSolver
{
    /// <inheritdoc />
    public Tensor Solve(Tensor k, Tensor y, Tensor previous)
    {
        RidgeSolver.CheckShapes(k, y);
        using var scope = TorchSharp.torch.NewDisposeScope();
        Tensor Apply(Tensor v) => k.t().matmul(k.matmul(v)) + v * Lambda;
        var (c, _) = ConjugateGradient.Solve(Apply, k.t().matmul(y.to(k.dtype)), previous.to(k.dtype), Iterations);
        return c.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// <paramref name="Iterations"/> warm-started <see cref="Lsmr"/> iterations: the solver the thesis names for ILS.
/// Damping and warm start enter through the stacked operator A = [K; sqrt(lambda) I] acting on the correction
/// D = C - C0, with b = [Y - K C0; -sqrt(lambda) C0], so that ||A D - b||^2 = ||K C - Y||^2 + lambda ||C||^2.
/// </summary>
/// <param name="Lambda">Ridge lambda (&gt;= 0).</param>
/// <param name="Iterations">Iterations per solve.</param>
/// <param name="Tolerance">0: a fixed, differentiable iteration count; positive: LSMR's stopping rule on ||A^T r||.</param>
public sealed record LsmrSolver(double Lambda, int Iterations, double Tolerance = 0) : ICoefficientSolver
{
    /// <inheritdoc />
    public Tensor Solve(Tensor k, Tensor y, Tensor previous)
    {
        RidgeSolver.CheckShapes(k, y);
        using var scope = TorchSharp.torch.NewDisposeScope();
        long n = k.shape[0];
        double damp = Math.Sqrt(Lambda);
        var start = previous.to(k.dtype).detach().clone();
        Tensor A(Tensor d) => TorchSharp.torch.cat([k.matmul(d), d * damp], 0);
        Tensor At(Tensor u) => k.t().matmul(u.narrow(0, 0, n)) + u.narrow(0, n, u.shape[0] - n) * damp;
        var b = TorchSharp.torch.cat([y.to(k.dtype) - k.matmul(start), start * -damp], 0);
        var (correction, _) = Lsmr.Solve(A, At, b, Iterations, Tolerance);
        return (start + correction).MoveToOuterDisposeScope();
    }
}
