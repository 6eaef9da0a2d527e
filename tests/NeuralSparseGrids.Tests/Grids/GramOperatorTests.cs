using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>The mass and Laplace matrices against brute-force numerical integration of the d-dimensional basis.</summary>
public class GramOperatorTests
{
    public static TheoryData<GridType, int, int> Grids => new()
    {
        { GridType.Linear, 2, 3 }, { GridType.LinearBoundary, 2, 2 }, { GridType.LinearExtendedBoundary, 2, 2 }, { GridType.ModifiedLinear, 2, 3 },
        { GridType.Linear, 3, 2 }, { GridType.ModifiedLinear, 3, 2 },
    };

    // 3-point Gauss-Legendre on every cell of the finest 1-D mesh (width 2^-MaxLevel1D): exact for the piecewise
    // quadratic products of two basis functions, and independent of the Simpson rule inside BasisIntegrals1D.
    private static (double[] Nodes, double[] Weights) Quadrature(SparseGrid grid)
    {
        int cells = 1 << Math.Max(1, grid.MaxLevel1D);
        double h = 1.0 / cells, r = Math.Sqrt(0.6);
        var nodes = new List<double>();
        var weights = new List<double>();
        for (int c = 0; c < cells; c++)
            foreach (var (t, w) in new[] { (-r, 5.0 / 9), (0.0, 8.0 / 9), (r, 5.0 / 9) })
            {
                nodes.Add(c * h + 0.5 * h * (1 + t));
                weights.Add(0.5 * h * w);
            }
        return (nodes.ToArray(), weights.ToArray());
    }

    private static IEnumerable<(double[] X, double W)> TensorPoints(SparseGrid grid)
    {
        var (nodes, weights) = Quadrature(grid);
        int d = grid.Dim, n = nodes.Length;
        var idx = new int[d];
        while (true)
        {
            var x = new double[d];
            double w = 1;
            for (int j = 0; j < d; j++) { x[j] = nodes[idx[j]]; w *= weights[idx[j]]; }
            yield return (x, w);
            int k = d - 1;
            while (k >= 0 && ++idx[k] == n) { idx[k] = 0; k--; }
            if (k < 0) yield break;
        }
    }

    [Theory]
    [MemberData(nameof(Grids))]
    public void MassAndLaplaceMatchNumericalIntegration(GridType type, int dim, int level)
    {
        var grid = SparseGrid.Create(dim, level, type);
        var op = new GramOperator(grid);
        int g = (int)grid.PointCount;
        var mass = new double[g, g];
        var laplace = new double[g, g];
        var integral = new double[g];
        var values = new double[g];
        var gradients = new double[g, dim];
        const double step = 1e-7; // central differences inside a cell: exact for the multilinear pieces up to rounding
        foreach (var (x, w) in TensorPoints(grid))
        {
            for (int p = 0; p < g; p++)
            {
                values[p] = grid.BasisValue(p, x);
                for (int j = 0; j < dim; j++)
                {
                    var plus = (double[])x.Clone(); plus[j] += step;
                    var minus = (double[])x.Clone(); minus[j] -= step;
                    gradients[p, j] = (grid.BasisValue(p, plus) - grid.BasisValue(p, minus)) / (2 * step);
                }
            }
            for (int p = 0; p < g; p++)
            {
                integral[p] += w * values[p];
                for (int q = 0; q < g; q++)
                {
                    mass[p, q] += w * values[p] * values[q];
                    double dot = 0;
                    for (int j = 0; j < dim; j++) dot += gradients[p, j] * gradients[q, j];
                    laplace[p, q] += w * dot;
                }
            }
        }
        var ints = op.BasisIntegrals();
        for (int p = 0; p < g; p++)
        {
            Assert.Equal(integral[p], ints[p], 12);
            for (int q = 0; q < g; q++)
            {
                Assert.True(Math.Abs(mass[p, q] - op.Mass(p, q)) < 1e-12, $"R[{p},{q}] = {op.Mass(p, q)}, numerical {mass[p, q]}");
                Assert.True(Math.Abs(laplace[p, q] - op.Laplace(p, q)) < 1e-5 * (1 + Math.Abs(laplace[p, q])), $"C[{p},{q}] = {op.Laplace(p, q)}, numerical {laplace[p, q]}");
            }
        }
    }

    [Theory]
    [InlineData(GridType.Linear, 3, 4)]
    [InlineData(GridType.LinearBoundary, 3, 3)]
    [InlineData(GridType.LinearExtendedBoundary, 2, 4)]
    [InlineData(GridType.ModifiedLinear, 4, 3)]
    public void MatrixFreeProductAndDenseMatrixEqualTheEntries(GridType type, int dim, int level)
    {
        var grid = SparseGrid.Create(dim, level, type);
        var op = new GramOperator(grid);
        int g = (int)grid.PointCount, columns = 2;
        var rng = new Random(3);
        var v = Enumerable.Range(0, g * columns).Select(_ => rng.NextDouble() - 0.5).ToArray();
        foreach (bool assembled in new[] { false, true })
        foreach (var (lambda, reg) in new[] { (0.0, DensityRegularizer.Identity), (0.3, DensityRegularizer.Identity), (0.05, DensityRegularizer.Laplace) })
        {
            if (assembled) Assert.True(op.Assemble());
            var result = new double[v.Length];
            op.Apply(v, result, columns, lambda, reg);
            var dense = op.ToDense(lambda, reg); // the direct solves' matrix: the same entries written out
            for (int p = 0; p < g; p++)
                for (int q = 0; q < g; q++)
                {
                    double entry = op.Mass(p, q) + lambda * (reg == DensityRegularizer.Laplace ? op.Laplace(p, q) : p == q ? 1 : 0);
                    Assert.True(Math.Abs(entry - dense[p * g + q]) < 1e-14, $"{reg} lambda {lambda} assembled {assembled}: dense ({p}, {q}) {dense[p * g + q]} vs {entry}");
                }
            for (int p = 0; p < g; p++)
                for (int c = 0; c < columns; c++)
                {
                    double expected = reg == DensityRegularizer.Identity ? lambda * v[p * columns + c] : 0;
                    for (int q = 0; q < g; q++)
                        expected += (op.Mass(p, q) + (reg == DensityRegularizer.Laplace ? lambda * op.Laplace(p, q) : 0)) * v[q * columns + c];
                    Assert.True(Math.Abs(expected - result[p * columns + c]) < 1e-12, $"{reg} lambda {lambda}: row {p}: {result[p * columns + c]} vs {expected}");
                }
        }
    }

    [Fact]
    public void OneDimensionalIntegralsHaveClosedForms()
    {
        // Hat of level l: integral 2^-l, L2 norm^2 2/3 * 2^-l, stiffness 2 * 2^l.
        for (int l = 1; l <= 5; l++)
        {
            Assert.Equal(Math.Pow(2, -l), BasisIntegrals1D.Integral(GridType.Linear, l, 0), 14);
            Assert.Equal(2.0 / 3 * Math.Pow(2, -l), BasisIntegrals1D.Mass(GridType.Linear, l, 0, l, 0), 14);
            Assert.Equal(2 * Math.Pow(2, l), BasisIntegrals1D.Stiffness(GridType.Linear, l, 0, l, 0), 9);
        }
        // Level 0 boundary functions 1 - x and x: integral of (1 - x) x is 1/6.
        Assert.Equal(1.0 / 6, BasisIntegrals1D.Mass(GridType.LinearBoundary, 0, 0, 0, 1), 14);
        // Disjoint supports.
        Assert.Equal(0, BasisIntegrals1D.Mass(GridType.Linear, 3, 0, 3, 1));
    }
}
