using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Regression;

/// <summary>
/// Classic sparse-grid regression (the baseline of the thesis, as in SG++): the surpluses alpha of a regular sparse
/// grid minimize (1/M) ||B alpha - y||^2 + λ ||alpha||^2 with B[i, p] = phi_p(z_i) and z the min-max scaled inputs. The
/// normal equations (B^T B + λ I) alpha = B^T y are solved matrix-free by conjugate gradients, B and B^T applied by
/// <see cref="SparseGridEvaluator"/>; all outputs are solved together.
/// </summary>
public sealed class SparseGridRegression
{
    private SparseGridRegression(SparseGrid grid, double[] surpluses, InputScaling scaling, int outputs, SparseGridRegressionOptions options, int iterations, double[] residuals)
    {
        Grid = grid;
        Surpluses = surpluses;
        Scaling = scaling;
        Outputs = outputs;
        Options = options;
        Iterations = iterations;
        RelativeResiduals = residuals;
    }

    /// <summary>The sparse grid on [0, 1]^d.</summary>
    public SparseGrid Grid { get; }

    /// <summary>Fitted surpluses alpha, (points, outputs) row-major.</summary>
    public double[] Surpluses { get; }

    /// <summary>Min-max scaling of the inputs, fitted on the training data.</summary>
    public InputScaling Scaling { get; }

    /// <summary>Number of input dimensions d.</summary>
    public int Dim => Grid.Dim;

    /// <summary>Number of outputs.</summary>
    public int Outputs { get; }

    /// <summary>The options used for fitting.</summary>
    public SparseGridRegressionOptions Options { get; }

    /// <summary>Conjugate-gradient iterations done.</summary>
    public int Iterations { get; }

    /// <summary>Final relative residual ||(B^T B + λ I) alpha - B^T y|| / ||B^T y|| per output.</summary>
    public double[] RelativeResiduals { get; }

    /// <summary>Fits the model.</summary>
    /// <param name="x">Training inputs, (rows, dim) row-major, any range (scaled to [0, 1]^d by min-max).</param>
    /// <param name="y">Training targets, (rows, outputs) row-major.</param>
    /// <param name="dim">Input dimension d.</param>
    /// <param name="outputs">Number of outputs (columns of y).</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="GridTooLargeException">The grid would exceed <see cref="SparseGridRegressionOptions.MaxBytes"/>.</exception>
    public static SparseGridRegression Fit(double[] x, double[] y, int dim, int outputs = 1, SparseGridRegressionOptions? options = null)
    {
        options ??= new SparseGridRegressionOptions();
        ArgumentNullException.ThrowIfNull(y);
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "At least one output is needed.");
        if (options.Lambda < 0 || !double.IsFinite(options.Lambda)) throw new ArgumentOutOfRangeException(nameof(options), options.Lambda, "Lambda must be finite and >= 0.");
        if (options.MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxIterations, "MaxIterations must be at least 1.");
        TorchRuntime.EnsureLoaded();
        var scaling = InputScaling.Fit(x, dim);
        int rows = x.Length / dim;
        if (y.Length != rows * outputs) throw new ArgumentException($"y must be (rows = {rows}, outputs = {outputs}) row-major, got length {y.Length}.", nameof(y));
        if (y.Any(v => !double.IsFinite(v))) throw new ArgumentException("y holds non-finite values.", nameof(y));
        // CG keeps about five (points, outputs) vectors plus per-thread B^T buffers: check the budget for them all.
        if (options.Grid is { } given && given.Dim != dim)
            throw new ArgumentException($"The given grid has d = {given.Dim}, the data {dim} columns.", nameof(options));
        var grid = options.Grid ?? SparseGrid.CreateForLevels(dim, options.Level, options.Levels, options.GridType, outputs, options.MaxBytes);
        GridSize.EnsureFits(grid, outputs * (5 + Environment.ProcessorCount), options.MaxBytes);
        var z = scaling.Transform(x);
        var rhs = new double[grid.PointCount * outputs];
        SparseGridEvaluator.EvaluateTranspose(grid, y, z, rhs);
        var fitted = new double[rows * outputs];
        // SG++'s data term is (1/M) ||B alpha - y||^2: multiplying through by M gives (B^T B + lambda M I) alpha = B^T y,
        // so lambda means the same whatever the number of rows M.
        double lambda = options.Lambda * rows;
        var scratch = new double[rhs.Length];
        Tensor Apply(Tensor v)
        {
            var values = v.contiguous().data<double>().ToArray();
            SparseGridEvaluator.Evaluate(grid, values, z, fitted);
            SparseGridEvaluator.EvaluateTranspose(grid, fitted, z, scratch);
            for (int i = 0; i < scratch.Length; i++) scratch[i] += lambda * values[i];
            return torch.tensor(scratch, [grid.PointCount, outputs], ScalarType.Float64);
        }
        double[] alpha;
        ConjugateGradient.Report report;
        using (torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var b = torch.tensor(rhs, [grid.PointCount, outputs], ScalarType.Float64);
            var (solution, r) = ConjugateGradient.Solve(Apply, b, torch.zeros_like(b), options.MaxIterations, options.Tolerance);
            alpha = solution.contiguous().data<double>().ToArray();
            report = r;
        }
        return new SparseGridRegression(grid, alpha, scaling, outputs, options, report.Iterations, report.RelativeResiduals);
    }

    /// <summary>
    /// Predicts (rows, outputs) row-major for inputs <paramref name="x"/>, (rows, dim) row-major. Inputs are scaled with
    /// <see cref="Scaling"/> and clamped into [0, 1]^d, so the model is constant outside the training range.
    /// </summary>
    public double[] Predict(double[] x)
    {
        var z = Scaling.Transform(x);
        var result = new double[z.Length / Dim * Outputs];
        SparseGridEvaluator.Evaluate(Grid, Surpluses, z, result);
        return result;
    }
}
