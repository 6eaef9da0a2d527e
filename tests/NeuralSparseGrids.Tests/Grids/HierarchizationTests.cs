using NeuralSparseGrids.Grids;
using Xunit.Abstractions;

namespace NeuralSparseGrids.Tests.Grids;

public class HierarchizationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void RoundTripAndInterpolationProperty(GridType type)
    {
        var rng = new Random(1);
        for (int dim = 1; dim <= 4; dim++)
            for (int level = 1; level <= 5; level++)
            {
                if (type == GridType.LinearBoundary && dim + level > 7) continue; // keep the test quick
                var grid = SparseGrid.Create(dim, level, type);
                int outputs = 2;
                var nodal = EvaluationTests.RandomAlpha(rng, grid.PointCount, outputs);
                var values = (double[])nodal.Clone();
                Hierarchization.Hierarchize(grid, values);
                // Interpolation: u(x_p) == nodal value at every grid point.
                var coords = grid.AllCoordinates();
                var u = new double[nodal.Length];
                SparseGridEvaluator.Evaluate(grid, values, coords, u);
                for (int i = 0; i < u.Length; i++)
                    Assert.True(Math.Abs(u[i] - nodal[i]) <= 1e-11, $"{type} d={dim} n={level}: u = {u[i]}, nodal {nodal[i]}");
                Hierarchization.Dehierarchize(grid, values);
                for (int i = 0; i < u.Length; i++) Assert.True(Math.Abs(values[i] - nodal[i]) <= 1e-11);
            }
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void DehierarchizeEqualsEvaluationAtGridPoints(GridType type)
    {
        var rng = new Random(2);
        var grid = SparseGrid.Create(3, 4, type);
        var alpha = EvaluationTests.RandomAlpha(rng, grid.PointCount, 1);
        var u = new double[alpha.Length];
        SparseGridEvaluator.Evaluate(grid, alpha, grid.AllCoordinates(), u);
        var nodal = (double[])alpha.Clone();
        Hierarchization.Dehierarchize(grid, nodal);
        for (int i = 0; i < u.Length; i++) Assert.Equal(u[i], nodal[i], 11);
    }

    [Fact]
    public void KnownSurplusesInOneDimension()
    {
        // f(x) = x^2 on a level-2 Linear grid: points 1/2, 1/4, 3/4.
        var grid = SparseGrid.Create(1, 2, GridType.Linear);
        var v = new[] { 0.25, 0.0625, 0.5625 };
        Hierarchization.Hierarchize(grid, v);
        Assert.Equal(0.25, v[0], 14);
        Assert.Equal(0.0625 - 0.125, v[1], 14);
        Assert.Equal(0.5625 - 0.125, v[2], 14); // zero boundary: f(1) counts as 0
        // V^B(1) level 1: points 0, 1/2, 1 with 1 - x, hat, x: surplus of the hat is f(1/2) - (f(0) + f(1)) / 2.
        var ext = SparseGrid.Create(1, 1, GridType.LinearExtendedBoundary);
        var e = new[] { 0.0, 0.25, 1.0 };
        Hierarchization.Hierarchize(ext, e);
        Assert.Equal(new[] { 0.0, -0.25, 1.0 }, e);
    }

    [Fact]
    public void InterpolationErrorDecaysWithLevel()
    {
        // f(x) = prod 4 x (1 - x) on Linear grids, d = 2; max error over random points.
        static double F(double a, double b) => 16 * a * (1 - a) * b * (1 - b);
        var rng = new Random(9);
        var test = EvaluationTests.RandomPoints(rng, 4000, 2, special: false);
        var exact = Enumerable.Range(0, 4000).Select(i => F(test[2 * i], test[2 * i + 1])).ToArray();
        var errors = new List<(int n, long points, double max, double l2)>();
        for (int n = 2; n <= 8; n++)
        {
            var grid = SparseGrid.Create(2, n, GridType.Linear);
            var c = grid.AllCoordinates();
            var v = Enumerable.Range(0, (int)grid.PointCount).Select(p => F(c[2 * p], c[2 * p + 1])).ToArray();
            Hierarchization.Hierarchize(grid, v);
            var u = new double[4000];
            SparseGridEvaluator.Evaluate(grid, v, test, u);
            double max = 0, sq = 0;
            for (int i = 0; i < u.Length; i++) { double e = Math.Abs(u[i] - exact[i]); max = Math.Max(max, e); sq += e * e; }
            errors.Add((n, grid.PointCount, max, Math.Sqrt(sq / u.Length)));
        }
        output.WriteLine("n  points  max error    L2 error     rate(max) rate(L2)  [log2 e_{n-1}/e_n; h^2 log(1/h) theory -> 2]");
        for (int i = 0; i < errors.Count; i++)
        {
            var (n, p, max, l2) = errors[i];
            string rates = i == 0 ? "" : $"{Math.Log2(errors[i - 1].max / max),8:F3} {Math.Log2(errors[i - 1].l2 / l2),8:F3}";
            output.WriteLine($"{n}  {p,6}  {max,11:E3}  {l2,11:E3}  {rates}");
            if (i > 0)
            {
                Assert.True(max < errors[i - 1].max && l2 < errors[i - 1].l2);
                Assert.InRange(Math.Log2(errors[i - 1].l2 / l2), 1.2, 2.6);
            }
        }
    }

    [Theory]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void GaussianBumpErrorDecaysOnBoundaryAndModifiedGrids(GridType type)
    {
        // Non-zero on the boundary: exp(-4 |x - (0.4, 0.6)|^2); L2 error over random points.
        static double F(double a, double b) => Math.Exp(-4 * ((a - 0.4) * (a - 0.4) + (b - 0.6) * (b - 0.6)));
        var rng = new Random(10);
        var test = EvaluationTests.RandomPoints(rng, 4000, 2, special: false);
        double previous = double.PositiveInfinity;
        output.WriteLine($"{type}: n  points  L2 error  rate");
        for (int n = 2; n <= 8; n++)
        {
            var grid = SparseGrid.Create(2, n, type);
            var c = grid.AllCoordinates();
            var v = Enumerable.Range(0, (int)grid.PointCount).Select(p => F(c[2 * p], c[2 * p + 1])).ToArray();
            Hierarchization.Hierarchize(grid, v);
            var u = new double[4000];
            SparseGridEvaluator.Evaluate(grid, v, test, u);
            double sq = 0;
            for (int i = 0; i < u.Length; i++) sq += Math.Pow(u[i] - F(test[2 * i], test[2 * i + 1]), 2);
            double l2 = Math.Sqrt(sq / u.Length);
            output.WriteLine($"   {n}  {grid.PointCount,6}  {l2,9:E3}  {(double.IsInfinity(previous) ? "" : Math.Log2(previous / l2).ToString("F3"))}");
            Assert.True(l2 < previous);
            if (n >= 5) Assert.InRange(Math.Log2(previous / l2), 1.0, 2.8);
            previous = l2;
        }
    }
}
