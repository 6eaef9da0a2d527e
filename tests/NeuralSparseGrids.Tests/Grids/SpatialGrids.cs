using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

/// <summary>Spatially adaptive test grids: a regular grid refined at random points (children in every direction plus missing ancestors).</summary>
internal static class SpatialGrids
{
    /// <summary>
    /// The regular grid (<paramref name="dim"/>, <paramref name="level"/>, <paramref name="type"/>) after
    /// <paramref name="refinements"/> random point refinements; seeded. Refinement goes deeper than the regular grid's
    /// levels, so the result has partial subspaces.
    /// </summary>
    public static SparseGrid Random(GridType type, int dim, int level, int refinements, int seed)
    {
        var grid = SparseGrid.Create(dim, level, type);
        var rng = new Random(seed);
        for (int r = 0; r < refinements; r++)
        {
            var builder = new PointRefinement(grid);
            // Prefer fine points so the refinement reaches beyond the regular grid.
            int row = (int)Math.Min(grid.PointCount - 1, grid.PointCount - 1 - rng.Next((int)Math.Min(grid.PointCount, 8)) * rng.Next(2));
            if (rng.Next(3) == 0) row = rng.Next((int)grid.PointCount);
            builder.Add(builder.MissingWithAncestors(GridPoint.Of(grid, row).Children(type, 8)));
            grid = builder.Build();
        }
        return grid;
    }
}
