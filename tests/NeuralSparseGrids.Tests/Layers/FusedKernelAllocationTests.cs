using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>
/// The fused kernel's per-subspace path allocates nothing managed: a call's managed allocations (workers, tables,
/// closures) do not grow with the number of subspaces. A struct row handler that reached an interface's default method
/// would be boxed on every subspace, thousands of allocations a step.
/// </summary>
public sealed class FusedKernelAllocationTests
{
    [Fact]
    public void ManagedAllocationsPerCallDoNotGrowWithTheSubspaces()
    {
        // d = 4: level 5 has 35 subspaces, level 8 has 165; one thread, so every allocation is on this thread.
        long small = AllocatedPerStep(SparseGrid.Create(4, 5, GridType.Linear));
        long large = AllocatedPerStep(SparseGrid.Create(4, 8, GridType.Linear));
        Assert.True(large - small < 130 * 8, $"a step allocated {small} bytes at 35 subspaces and {large} at 165");
    }

    private static unsafe long AllocatedPerStep(SparseGrid grid)
    {
        int n = 32, o = 3, d = grid.Dim;
        var rng = new Random(3);
        var h = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        var c = Enumerable.Range(0, (int)grid.PointCount * o).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var g = Enumerable.Range(0, n * o).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var output = new float[n * o];
        var gh = new float[n * d];
        var gc = new float[(int)grid.PointCount * o];
        long least = long.MaxValue;
        fixed (float* ph = h, pc = c, pg = g, po = output, pgh = gh, pgc = gc)
            for (int run = 0; run < 5; run++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                FusedKernel<float>.Forward(grid, (nint)ph, (nint)pc, (nint)po, n, o, threads: 1);
                FusedKernel<float>.Backward(grid, (nint)ph, (nint)pc, (nint)pg, (nint)pgh, (nint)pgc, n, o, threads: 1);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        return least;
    }
}
