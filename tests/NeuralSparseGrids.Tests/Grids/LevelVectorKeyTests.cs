using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>
/// Grid points and level vectors are compared by value (arrays) instead of by their string keys: the same equality
/// as the string keys ("l0,l1|k0,k1"), on every pair of points of random spatially adaptive grids.
/// </summary>
public sealed class LevelVectorKeyTests
{
    [Theory]
    [InlineData(GridType.Linear, 2, 1)]
    [InlineData(GridType.LinearBoundary, 2, 2)]
    [InlineData(GridType.ModifiedLinear, 3, 3)]
    public void PointEqualityAndHashAgreeWithTheStringKeys(GridType type, int dim, int seed)
    {
        var grid = SpatialGrids.Random(type, dim, 2, 6, seed);
        // Every point twice (separate objects), plus its children and parents: equal and unequal pairs of all kinds.
        var points = Enumerable.Range(0, (int)grid.PointCount)
            .SelectMany(row => new[] { GridPoint.Of(grid, row), GridPoint.Of(grid, row) }
                .Concat(GridPoint.Of(grid, row).Children(type, 8)).Concat(GridPoint.Of(grid, row).Parents(type)))
            .ToList();
        int equalPairs = 0;
        foreach (var a in points)
            foreach (var b in points)
            {
                bool byKey = a.Key == b.Key;
                Assert.Equal(byKey, a.Equals(b));
                Assert.Equal(a.SubspaceKey == b.SubspaceKey, GridRemap.LevelVectorComparer.Equals(a.Levels, b.Levels));
                if (!byKey) continue;
                equalPairs++;
                Assert.Equal(a.GetHashCode(), b.GetHashCode());
                Assert.Equal(GridRemap.LevelVectorComparer.GetHashCode(a.Levels), GridRemap.LevelVectorComparer.GetHashCode(b.Levels));
            }
        Assert.True(equalPairs > points.Count);   // the duplicates (and children shared by neighbours) were compared
    }

    [Fact]
    public void FindSubspaceFindsEveryLevelVectorByValue()
    {
        var grid = SpatialGrids.Random(GridType.Linear, 3, 3, 8, 5);
        for (int s = 0; s < grid.SubspaceCount; s++)
            Assert.Equal(s, grid.FindSubspace(grid.SubspaceLevels.Slice(s * 3, 3).ToArray()));   // a fresh array, equal by value
        Assert.Equal(-1, grid.FindSubspace([9, 9, 9]));
    }
}
