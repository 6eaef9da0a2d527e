using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Ridge least squares C* = argmin ||K C - Y||^2 + lambda ||C||^2 (thesis Eq. 3.9) in closed form, differentiable in
/// K and Y. The iterative alternatives are <see cref="ConjugateGradientSolver"/> and <see cref="LsmrSolver"/>.
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
        CheckLambda(lambda);
        using var scope = torch.NewDisposeScope();
        var kd = k.to(ScalarType.Float64);
        var yd = y.to(ScalarType.Float64);
        long n = k.shape[0], g = k.shape[1];
        var c = n >= g
            ? SolveRegularised(kd.t().matmul(kd), kd.t().matmul(yd), lambda)
            : kd.t().matmul(SolveRegularised(kd.matmul(kd.t()), yd, lambda));
        return c.to(k.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>(M + lambda I)^-1 R for a symmetric M (m, m) and R (m, outputs): the one solve behind Eqs. 3.10 and 3.11.</summary>
    public static Tensor SolveRegularised(Tensor m, Tensor r, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        var regularised = m + torch.eye(m.shape[0], dtype: m.dtype, device: m.device) * lambda;
        return torch.linalg.solve(regularised, r).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Accumulates the normal equations K^T K and K^T Y over row chunks in float64 (for fits on more rows than one
    /// K should hold at once) and solves them with <see cref="SolveRegularised"/>. Not differentiable; owns its tensors.
    /// </summary>
    public sealed class NormalEquations : IDisposable
    {
        private readonly Tensor _gram, _rhs;

        /// <summary>Empty equations for <paramref name="points"/> coefficients and <paramref name="outputs"/> columns.</summary>
        public NormalEquations(long points, int outputs)
        {
            _gram = torch.zeros(points, points, dtype: ScalarType.Float64).DetachFromDisposeScope();
            _rhs = torch.zeros(points, outputs, dtype: ScalarType.Float64).DetachFromDisposeScope();
        }

        /// <summary>Adds the rows K (rows, G), Y (rows, outputs).</summary>
        public void Add(Tensor k, Tensor y)
        {
            CheckShapes(k, y);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var kd = k.to(ScalarType.Float64);
            _gram.add_(kd.t().matmul(kd));
            _rhs.add_(kd.t().matmul(y.to(ScalarType.Float64)));
        }

        /// <summary>C (G, outputs) in float64 for the rows added so far.</summary>
        public Tensor Solve(double lambda)
        {
            CheckLambda(lambda);
            using var noGrad = torch.no_grad();
            return SolveRegularised(_gram, _rhs, lambda);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _gram.Dispose();
            _rhs.Dispose();
        }
    }

    internal static void CheckShapes(Tensor k, Tensor y)
    {
        if (k.dim() != 2 || y.dim() != 2 || k.shape[0] != y.shape[0])
            throw new ArgumentException($"Expected K (N, G) and Y (N, outputs); got K {Shape(k)} and Y {Shape(y)}.");
    }

    private static void CheckLambda(double lambda)
    {
        if (lambda <= 0) throw new ArgumentException("The closed-form ridge solve needs lambda > 0 (the normal matrix may be singular).");
    }

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
