using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public class RidgeSolverTests
{
    public RidgeSolverTests() => TorchRuntime.EnsureLoaded();

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
        var iterative = RidgeSolver.ConjugateGradient(k, y, torch.zeros(15, 3, dtype: ScalarType.Float64), 0.1, 60);
        Assert.True((exact - iterative).abs().max().item<double>() < 1e-8);
    }

    [Fact]
    public void FewCgIterationsFromTheSolutionStayThere()
    {
        using var scope = torch.NewDisposeScope();
        var (k, y) = Problem(30, 10, 1, 3);
        var exact = RidgeSolver.Solve(k, y, 0.1);
        var again = RidgeSolver.ConjugateGradient(k, y, exact, 0.1, 3);
        Assert.True((exact - again).abs().max().item<double>() < 1e-10);
    }

    // d loss / d K through the solve (the LS gradient of Eq. 3.12) against central finite differences.
    [Theory]
    [InlineData(false, 20, 6)]
    [InlineData(false, 5, 9)]
    [InlineData(true, 20, 6)]
    public void GradientThroughTheSolveMatchesFiniteDifferences(bool iterative, int n, int g)
    {
        using var scope = torch.NewDisposeScope();
        var (k0, y) = Problem(n, g, 2, 4);
        var start = torch.zeros(g, 2, dtype: ScalarType.Float64);
        double Loss(Tensor k)
        {
            var c = iterative ? RidgeSolver.ConjugateGradient(k, y, start, 0.1, 4) : RidgeSolver.Solve(k, y, 0.1);
            return nn.functional.mse_loss(k.matmul(c), y).item<double>();
        }
        var kVar = k0.clone().requires_grad_(true);
        var cVar = iterative ? RidgeSolver.ConjugateGradient(kVar, y, start, 0.1, 4) : RidgeSolver.Solve(kVar, y, 0.1);
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
