using NeuralSparseGrids.Grids;
using NeuralSparseGrids.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Regression;

/// <summary>
/// The symmetric positive definite systems (R + lambda_c C) alpha_c = b_c of a density fit (<see cref="SparseGridDensity"/>),
/// one column c per density, solved for many lambdas against the same <see cref="GramOperator"/>. Grids of at most
/// <see cref="SparseGridDensityOptions.DensePointLimit"/> points are solved directly: the matrix R + lambda C is written
/// out dense from the operator's entries and factorised once per distinct lambda (Cholesky, O(points^3 / 3)), which at
/// 1,121 points takes milliseconds where CG needs 20-80 products. Larger grids stay matrix-free: conjugate gradients
/// with the operator's product, each solve warm-started from the previous solution of the same columns (a lambda
/// search walks through neighbouring lambdas, whose solutions are close).
/// </summary>
internal sealed class DensitySystem
{
    private readonly GramOperator _op;
    private readonly DensityRegularizer _regularizer;
    private readonly int _maxIterations;
    private readonly double _tolerance;
    private double[]? _previous;

    /// <summary>Prepares the solves on <paramref name="op"/> (assembled or not) with the settings of <paramref name="options"/>.</summary>
    public DensitySystem(GramOperator op, SparseGridDensityOptions options)
    {
        _op = op;
        _regularizer = options.Regularizer;
        _maxIterations = options.MaxIterations;
        _tolerance = options.Tolerance;
        IsDense = op.Grid.PointCount <= options.DensePointLimit;
    }

    /// <summary>Whether the solves are direct (dense Cholesky) rather than conjugate gradients.</summary>
    public bool IsDense { get; }

    /// <summary>
    /// alpha (points, columns) row-major with (R + lambdas[c] C) alpha[:, c] = rhs[:, c]; lambdas are absolute. Returns
    /// the CG iterations (0 for direct solves).
    /// </summary>
    public (double[] Alpha, int Iterations) Solve(double[] rhs, int columns, double[] lambdas)
    {
        int points = (int)_op.Grid.PointCount;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var b = torch.tensor(rhs, [points, columns], ScalarType.Float64);
        Tensor solution;
        int iterations = 0;
        if (IsDense) solution = SolveDense(b, lambdas);
        else
        {
            var start = _previous is { } previous && previous.Length == rhs.Length
                ? torch.tensor(previous, [points, columns], ScalarType.Float64)
                : torch.zeros_like(b);
            var product = new double[rhs.Length];
            Tensor Apply(Tensor v)
            {
                _op.Apply(v.contiguous().data<double>().ToArray(), product, columns, lambdas, _regularizer);
                return torch.tensor(product, [points, columns], ScalarType.Float64);
            }
            (solution, var report) = ConjugateGradient.Solve(Apply, b, start, _maxIterations, _tolerance);
            iterations = report.Iterations;
        }
        var alpha = solution.contiguous().data<double>().ToArray();
        if (!IsDense) _previous = alpha;
        return (alpha, iterations);
    }

    // One Cholesky factorisation per distinct lambda, solving all columns that share it.
    private Tensor SolveDense(Tensor b, double[] lambdas)
    {
        int points = (int)_op.Grid.PointCount;
        var solution = torch.empty_like(b);
        foreach (double lambda in lambdas.Distinct())
        {
            var columns = torch.tensor(Enumerable.Range(0, lambdas.Length).Where(c => lambdas[c] == lambda).Select(c => (long)c).ToArray());
            var matrix = torch.tensor(_op.ToDense(lambda, _regularizer), [points, points], ScalarType.Float64);
            var factor = torch.linalg.cholesky(matrix);
            solution.index_copy_(1, columns, torch.cholesky_solve(b.index_select(1, columns), factor));
        }
        return solution;
    }
}
