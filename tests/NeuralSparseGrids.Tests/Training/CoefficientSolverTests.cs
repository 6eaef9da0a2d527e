using NeuralSparseGrids.LinearAlgebra;
using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public class CoefficientSolverTests
{
    public CoefficientSolverTests() => TorchRuntime.EnsureLoaded();

    private static (Tensor K, Tensor Y) Problem(int n, int g, int outputs, int seed)
    {
        var gen = new torch.Generator((ulong)seed);
        return (torch.rand(new long[] { n, g }, dtype: ScalarType.Float64, generator: gen),
                torch.randn(new long[] { n, outputs }, dtype: ScalarType.Float64, generator: gen));
    }

    [Theory]
    [InlineData(40, 12)] // N >= G: Eq. 3.10
    [InlineData(8, 20)]  // N < G:  Eq. 3.11
    public void ClosedFormSatisfiesTheNormalEquations(int n, int g)
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(n, g, 2, 1);
        const double lambda = 0.05;
        var c = RidgeSolver.Solve(k, y, lambda);
        var residual = k.t().matmul(k).matmul(c) + c * lambda - k.t().matmul(y);
        Assert.True(residual.abs().max().item<double>() < 1e-9);
    }

    [Fact]
    public void ManyCgIterationsReachTheClosedForm()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(50, 15, 3, 2);
        var exact = RidgeSolver.Solve(k, y, 0.1);
        var iterative = new ConjugateGradientSolver(0.1, 60).Solve(k, y, torch.zeros(15, 3, dtype: ScalarType.Float64));
        Assert.True((exact - iterative).abs().max().item<double>() < 1e-8);
    }

    [Fact]
    public void FewCgIterationsFromTheSolutionStayThere()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(30, 10, 1, 3);
        var exact = RidgeSolver.Solve(k, y, 0.1);
        var again = new ConjugateGradientSolver(0.1, 3).Solve(k, y, exact);
        Assert.True((exact - again).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void LsmrReachesTheDampedClosedForm()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(50, 15, 3, 2);
        var exact = RidgeSolver.Solve(k, y, 0.1);
        var lsmr = new LsmrSolver(0.1, 60).Solve(k, y, torch.zeros(15, 3, dtype: ScalarType.Float64));
        Assert.True((exact - lsmr).abs().max().item<double>() < 1e-8);
    }

    [Fact]
    public void UndampedLsmrMatchesDenseLeastSquares()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(60, 12, 2, 6);
        // Independent reference: LAPACK's least squares (QR based), not the normal equations.
        var reference = torch.linalg.lstsq(k, y).Solution;
        var lsmr = new LsmrSolver(0, 40).Solve(k, y, torch.zeros(12, 2, dtype: ScalarType.Float64));
        Assert.True((reference - lsmr).abs().max().item<double>() < 1e-8);
    }

    // Columns scaled from 1 down to 1e-5 give cond(K) ~ 1e5 (cond(K^T K) ~ 1e10): the reference is the damped solution
    // from the SVD, C = V diag(s / (s^2 + lambda)) U^T Y.
    [Fact]
    public void LsmrSolvesAnIllConditionedDampedProblem()
    {
        using var scope = torch.NewDisposeScope();
        var (k0, y) = Problem(80, 20, 2, 7);
        var k = k0 * torch.logspace(0, -5, 20, dtype: ScalarType.Float64);
        const double lambda = 1e-8;
        var (u, s, vh) = torch.linalg.svd(k, fullMatrices: false);
        var reference = vh.t().matmul((s / (s * s + lambda)).unsqueeze(1) * u.t().matmul(y));
        var lsmr = new LsmrSolver(lambda, 400, Tolerance: 1e-14).Solve(k, y, torch.zeros(20, 2, dtype: ScalarType.Float64));
        double error = ((reference - lsmr).norm() / reference.norm()).item<double>();
        Assert.True(error < 1e-6, $"relative error {error:G3}");
    }

    [Fact]
    public void LsmrWarmStartedAtTheSolutionStaysThere()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(30, 10, 2, 3);
        var exact = RidgeSolver.Solve(k, y, 0.1);
        var again = new LsmrSolver(0.1, 3).Solve(k, y, exact);
        Assert.True((exact - again).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void LsmrWithAToleranceStopsEarly()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(40, 8, 1, 9);
        Tensor A(Tensor v) => k.matmul(v);
        Tensor At(Tensor r) => k.t().matmul(r);
        var (x, iterations) = Lsmr.Solve(A, At, y, 500, tolerance: 1e-10);
        Assert.InRange(iterations, 2, 20); // at most G = 8 in exact arithmetic, a few more in floating point
        Assert.True((torch.linalg.lstsq(k, y).Solution - x).abs().max().item<double>() < 1e-8);
    }

    [Fact]
    public void AdaptiveCgStopsEachColumnAtItsTolerance()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(40, 10, 2, 11);
        var a = k.t().matmul(k) + torch.eye(10, dtype: ScalarType.Float64) * 0.1;
        var b = k.t().matmul(y);
        var (x, report) = ConjugateGradient.Solve(v => a.matmul(v), b, torch.zeros_like(b), 100, 1e-10);
        Assert.True(report.Iterations <= 12, $"{report.Iterations} iterations");
        Assert.All(report.RelativeResiduals, r => Assert.True(r <= 1e-10, $"residual {r}"));
        Assert.True((torch.linalg.solve(a, b) - x).abs().max().item<double>() < 1e-8);
    }

    private static ICoefficientSolver Solver(string kind) => kind switch
    {
        "closed" => new RidgeClosedForm(0.1),
        "cg" => new ConjugateGradientSolver(0.1, 4),
        _ => new LsmrSolver(0.1, 4),
    };

    // d loss / d K through the solve (the LS gradient of Eq. 3.12, the unrolled ILS map of Eq. 3.13) against central
    // finite differences.
    [Theory]
    [InlineData("closed", 20, 6)]
    [InlineData("closed", 5, 9)]
    [InlineData("cg", 20, 6)]
    [InlineData("lsmr", 20, 6)]
    [InlineData("lsmr", 5, 9)]
    public void GradientThroughTheSolveMatchesFiniteDifferences(string kind, int n, int g)
    {
        using var scope = torch.NewDisposeScope();
        var (k0, y) = Problem(n, g, 2, 4);
        var start = torch.randn(g, 2, dtype: ScalarType.Float64, generator: new torch.Generator(8)) * 0.1;
        var solver = Solver(kind);
        double Loss(Tensor k)
        {
            var c = solver.Solve(k, y, start);
            return nn.functional.mse_loss(k.matmul(c), y).item<double>();
        }
        var kVar = k0.clone().requires_grad_(true);
        var cVar = solver.Solve(kVar, y, start);
        nn.functional.mse_loss(kVar.matmul(cVar), y).backward();
        var grad = kVar.grad!;
        const double eps = 1e-6;
        var random = new Random(5);
        for (int trial = 0; trial < 8; trial++)
        {
            int i = random.Next(n), j = random.Next(g);
            var plus = k0.clone(); plus[i, j] = plus[i, j] + eps;
            var minus = k0.clone(); minus[i, j] = minus[i, j] - eps;
            double numeric = (Loss(plus) - Loss(minus)) / (2 * eps);
            double analytic = grad[i, j].item<double>();
            Assert.True(Math.Abs(numeric - analytic) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"K[{i},{j}]: numeric {numeric}, autograd {analytic}");
        }
    }
}
