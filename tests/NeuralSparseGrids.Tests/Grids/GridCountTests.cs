using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

public class GridCountTests
{
    // Published counts for Linear grids (thesis Tables 3.13/3.14 and the introduction).
    [Theory]
    [InlineData(2, 3, 17)]
    [InlineData(2, 4, 49)]
    [InlineData(2, 5, 129)]
    [InlineData(2, 6, 321)]
    [InlineData(2, 7, 769)]
    [InlineData(2, 8, 1793)]
    [InlineData(8, 3, 161)]
    [InlineData(8, 4, 1121)]
    [InlineData(8, 5, 6401)]
    [InlineData(8, 6, 31745)]
    [InlineData(8, 7, 141569)]
    [InlineData(10, 5, 13441)]
    public void LinearCountsMatchThesis(int dim, int level, long expected)
    {
        Assert.Equal(expected, GridSize.Points(dim, level, GridType.Linear));
        var grid = SparseGrid.Create(dim, level, GridType.Linear);
        Assert.Equal(expected, grid.PointCount);
        Assert.Equal(GridSize.Subspaces(dim, level, GridType.Linear), grid.SubspaceCount);
    }

    [Theory]
    [InlineData(GridType.Linear)]
    [InlineData(GridType.LinearBoundary)]
    [InlineData(GridType.LinearExtendedBoundary)]
    [InlineData(GridType.ModifiedLinear)]
    public void CountsMatchBruteForceEnumeration(GridType type)
    {
        for (int dim = 1; dim <= 4; dim++)
            for (int level = 1; level <= 5; level++)
            {
                // Brute force: every level vector in the box [min, max1D]^d whose sum qualifies, product of counts.
                int min = Basis1D.MinLevel(type), max = level + dim - 1;
                long points = 0, subspaces = 0;
                var l = new int[dim];
                void Walk(int j)
                {
                    if (j == dim)
                    {
                        if (l.Sum() > level + dim - 1) return;
                        subspaces++;
                        long p = 1;
                        foreach (var lj in l) p *= Basis1D.Count(type, lj);
                        points += p;
                        return;
                    }
                    for (int v = min; v <= max; v++) { l[j] = v; Walk(j + 1); }
                }
                Walk(0);
                var grid = SparseGrid.Create(dim, level, type);
                Assert.Equal(points, grid.PointCount);
                Assert.Equal(subspaces, grid.SubspaceCount);
                Assert.Equal(points, GridSize.Points(dim, level, type));
            }
    }

    [Fact]
    public void TooLargeGridIsRefusedWithFigures()
    {
        var e = Assert.Throws<GridTooLargeException>(() => SparseGrid.Create(30, 12, GridType.Linear, outputs: 10));
        Assert.Contains("points", e.Message);
        Assert.Contains("bytes", e.Message);
        Assert.True(e.Points > 1e9);
    }

    [Fact]
    public void LevelIndexRoundTripsThroughBasisValue()
    {
        foreach (GridType type in Enum.GetValues<GridType>())
        {
            var grid = SparseGrid.Create(3, 4, type);
            var x = new double[3];
            for (long p = 0; p < grid.PointCount; p++)
            {
                grid.Coordinates(p, x);
                // Every basis function is 1 at its own grid point (modified-linear level-1 functions are 1 everywhere).
                Assert.Equal(1.0, grid.BasisValue(p, x), 12);
            }
        }
    }
}
