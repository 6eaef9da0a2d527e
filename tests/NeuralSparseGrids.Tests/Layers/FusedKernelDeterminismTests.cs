using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// The fused kernel adds per-thread partial sums in chunk order, so a multi-threaded forward and backward give the same
/// bits on every call (before, the order threads finished in decided the last digits, and sweeps run in separate
/// processes disagreed with in-process runs in the 8th digit).
/// </summary>
public sealed class FusedKernelDeterminismTests
{
    [Fact]
    public unsafe void MultiThreadedForwardAndBackwardAreBitIdenticalFromCallToCall()
    {
        var grid = SparseGrid.Create(4, 6, GridType.Linear);
        int n = 96, o = 3, d = grid.Dim;
        var rng = new Random(7);
        var h = Enumerable.Range(0, n * d).Select(_ => rng.NextDouble()).ToArray();
        var c = Enumerable.Range(0, (int)grid.PointCount * o).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var g = Enumerable.Range(0, n * o).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[]? firstOut = null, firstGh = null;
        for (int run = 0; run < 40; run++)
        {
            var output = new double[n * o];
            var gh = new double[n * d];
            var gc = new double[(int)grid.PointCount * o];
            fixed (double* ph = h, pc = c, pg = g, po = output, pgh = gh, pgc = gc)
            {
                FusedKernel<double>.Forward(grid, (nint)ph, (nint)pc, (nint)po, n, o, threads: 2);
                FusedKernel<double>.Backward(grid, (nint)ph, (nint)pc, (nint)pg, (nint)pgh, (nint)pgc, n, o, threads: 2);
            }
            firstOut ??= output;
            firstGh ??= gh;
            Assert.Equal(firstOut, output);
            Assert.Equal(firstGh, gh);
        }
        // And the parallel sums equal the serial ones up to rounding.
        var serial = new double[n * o];
        fixed (double* ph = h, pc = c, po = serial) FusedKernel<double>.Forward(grid, (nint)ph, (nint)pc, (nint)po, n, o, threads: 1);
        for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], firstOut![i], 12);
    }
}
