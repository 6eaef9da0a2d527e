using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Analysis;

public class LatentStatisticsTests
{
    [Fact]
    public void SmallSetIsExact()
    {
        // Square corners (0,0), (1,0), (0,1), (1,1) scaled by 0.5 plus its centre.
        var x = new double[] { 0, 0, 0.5, 0, 0, 0.5, 0.5, 0.5, 0.25, 0.25 };
        var s = LatentStatistics.Compute(x, 5, 2, cellLevel: 1);
        Assert.Equal(new[] { 0.0, 0.0 }, s.Min);
        Assert.Equal(new[] { 0.5, 0.5 }, s.Max);
        Assert.Equal(0.25, s.Mean[0], 12);
        Assert.Equal(Math.Sqrt(4 * 0.0625 / 5), s.Std[0], 12);
        Assert.Equal(Math.Sqrt(0.5), s.Diameter, 12);
        Assert.Equal(Math.Sqrt(0.5), s.BoundingBoxDiagonal, 12);
        Assert.True(s.DiameterIsExact);
        // Level-1 cells (side 1/2): 0.5 falls into the upper cell, so all 4 cells are visited.
        Assert.NotNull(s.Cells);
        Assert.Equal(4, s.Cells!.OccupiedCells);
        Assert.Equal(4, s.Cells.TotalCells);
        Assert.Equal(1.0, s.Cells.VisitedFraction);
    }

    [Fact]
    public void LargeSetUsesSubsampleBetweenBounds()
    {
        int n = 6000, d = 3;
        var rng = new Random(5);
        var x = new double[n * d];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 0.5;
        var s = LatentStatistics.Compute(x, n, d, grid: SparseGrid.Create(3, 2));
        Assert.False(s.DiameterIsExact);
        Assert.Equal(LatentStatistics.ExactDiameterLimit, s.DiameterSampleSize);
        Assert.True(s.Diameter <= s.BoundingBoxDiagonal);
        Assert.True(s.Diameter > 0.8 * s.BoundingBoxDiagonal, $"diameter {s.Diameter} vs diagonal {s.BoundingBoxDiagonal}");
        // Grid level 2: cells of side 1/4; points in [0, 0.5)^3 visit 2^3 of 4^3 cells.
        Assert.Equal(2, s.Cells!.Level);
        Assert.Equal(8, s.Cells.OccupiedCells);
        Assert.Equal(8 / 64.0, s.Cells.VisitedFraction, 12);
        // Deterministic.
        Assert.Equal(s.Diameter, LatentStatistics.Compute(x, n, d).Diameter);
    }

    [Fact]
    public void HighDimensionReportsDistinctFraction()
    {
        int n = 10, d = 8;
        var x = new double[n * d];
        for (int i = 0; i < n; i++) x[i * d] = i / 10.0; // distinct cells only when level >= 4
        var occupancy = LatentStatistics.Occupancy(x, n, d, 4);
        Assert.Equal(10, occupancy.OccupiedCells);
        Assert.Equal(1.0, occupancy.DistinctFraction);
        Assert.Equal(Math.Pow(2, 32), occupancy.TotalCells);
        Assert.Equal(0.2, LatentStatistics.Occupancy(x, n, d, 1).DistinctFraction, 12); // 2 cells for 10 points
    }

    [Fact]
    public void FloatOverloadAndNoCells()
    {
        var s = LatentStatistics.Compute(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Null(s.Cells);
        Assert.Equal(Math.Sqrt(8), s.Diameter, 6);
    }

    [Fact]
    public void RejectsBadInput()
    {
        var e = Assert.Throws<ArgumentException>(() => LatentStatistics.Compute(new double[7], 3, 2));
        Assert.Contains("6 values; got 7", e.Message);
        Assert.Throws<ArgumentException>(() => LatentStatistics.Compute(new double[] { double.NaN, 0 }, 1, 2));
        Assert.Throws<ArgumentException>(() => LatentStatistics.Compute(new double[4], 2, 2, grid: SparseGrid.Create(3, 2)));
    }
}
