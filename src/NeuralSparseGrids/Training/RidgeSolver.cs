using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Ridge least squares C* = argmin ||K C - Y||^2 + lambda ||C||^2 (thesis Eq. 3.9), differentiable in K and Y.
/// </summary>
public static class RidgeSolver
{
    /// <summary>
    /// Closed form: (K^T K + lambda I)^-1 K^T Y for N &gt;= G (Eq. 3.10), K^T (K K^T + lambda I)^-1 Y for N &lt; G (Eq. 3.11).
    /// K: (N, G), Y: (N, outputs) -> C: (G, outputs). Solved in float64 and returned in K's dtype.
    /// </summary>
    public static Tensor Solve(Tensor k, Tensor y, double lambda)
    {
        CheckShapes(k, y);
        if (lambda <= 0) throw new ArgumentException("The closed-form ridge solve needs lambda > 0 (the normal matrix may be singular).");
        using var scope = torch.NewDisposeScope();
        var kd = k.to(ScalarType.Float64);
        var yd = y.to(ScalarType.Float64);
        long n = k.shape[0], g = k.shape[1];
        Tensor c;
        if (n >= g)
        {
            var normal = kd.t().matmul(kd) + torch.eye(g, dtype: ScalarType.Float64, device: k.device) * lambda;
            c = torch.linalg.solve(normal, kd.t().matmul(yd));
        }
        else
        {
            var gram = kd.matmul(kd.t()) + torch.eye(n, dtype: ScalarType.Float64, device: k.device) * lambda;
            c = kd.t().matmul(torch.linalg.solve(gram, yd));
        }
        return c.to(k.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// t iterations of conjugate gradients on (K^T K + lambda I) C = K^T Y, column by column in parallel, starting at
    /// <paramref name="start"/> (the ILS map g_{lambda,t}(C, K, Y) of Eq. 3.13). Built from differentiable torch ops,
    /// so gradients flow into K (and Y). K: (N, G), Y: (N, outputs), start: (G, outputs) -> (G, outputs).
    /// Matrix-free: only products with K and K^T, never K^T K.
    /// </summary>
    public static Tensor ConjugateGradient(Tensor k, Tensor y, Tensor start, double lambda, int iterations)
    {
        CheckShapes(k, y);
        if (iterations < 1) throw new ArgumentException("At least one CG iteration is needed.");
        using var scope = torch.NewDisposeScope();
        Tensor Apply(Tensor v) => k.t().matmul(k.matmul(v)) + v * lambda;
        // A copy: start may share storage with the layer's coefficients, which the trainer overwrites in place after
        // the solve, while autograd still holds c (k.matmul(c) saves it for the gradient with respect to k).
        var c = start.to(k.dtype).clone();
        var r = k.t().matmul(y.to(k.dtype)) - Apply(c);
        var p = r;
        var rr = (r * r).sum(dim: 0);
        for (int it = 0; it < iterations; it++)
        {
            var ap = Apply(p);
            // Note: sum(dim: 0), not sum(0): the literal 0 would bind to sum(ScalarType) and mean Byte.
            // The tiny offset keeps converged columns (rr = p.Ap = 0) at alpha = beta = 0 instead of 0/0; it is far
            // below any p.Ap that matters and stays differentiable (no branches).
            var pap = (p * ap).sum(dim: 0);
            var alpha = rr / (pap + 1e-30);
            c = c + p * alpha;
            r = r - ap * alpha;
            var rrNext = (r * r).sum(dim: 0);
            var beta = rrNext / (rr + 1e-30);
            p = r + p * beta;
            rr = rrNext;
        }
        return c.MoveToOuterDisposeScope();
    }

    private static void CheckShapes(Tensor k, Tensor y)
    {
        if (k.dim() != 2 || y.dim() != 2 || k.shape[0] != y.shape[0])
            throw new ArgumentException($"Expected K (N, G) and Y (N, outputs); got K {Shape(k)} and Y {Shape(y)}.");
    }

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
