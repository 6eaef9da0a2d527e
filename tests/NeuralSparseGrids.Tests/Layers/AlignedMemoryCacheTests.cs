using NeuralSparseGrids.Layers;

namespace NeuralSparseGrids.Tests.Layers;

/// <summary>The fused kernel's per-thread aligned scratch: aligned, large enough, reused, bounded.</summary>
public class AlignedMemoryCacheTests
{
    [Fact]
    public void BlocksAreAlignedLargeEnoughAndReusedOnTheSameThread()
    {
        // A fresh thread: its cache starts empty, whatever other tests left on theirs.
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var first = AlignedMemoryCache.Rent(1000);
                Assert.Equal(0, first.Pointer % 64);
                Assert.True(first.Bytes >= 1000);
                AlignedMemoryCache.Return(first);

                // A smaller request gets the cached block back; a larger one a new block.
                var again = AlignedMemoryCache.Rent(500);
                Assert.Equal(first.Pointer, again.Pointer);
                var larger = AlignedMemoryCache.Rent(4000);
                Assert.NotEqual(again.Pointer, larger.Pointer);
                Assert.True(larger.Bytes >= 4000);
                Assert.Equal(0, larger.Pointer % 64);
                AlignedMemoryCache.Return(again);
                AlignedMemoryCache.Return(larger);

                // The smallest cached block that fits is chosen.
                var fits = AlignedMemoryCache.Rent(800);
                Assert.Equal(first.Pointer, fits.Pointer);
                AlignedMemoryCache.Return(fits);

                // At most eight blocks stay cached: with the two above, returning ten more keeps the eight largest.
                var blocks = Enumerable.Range(1, 10).Select(k => AlignedMemoryCache.Rent((nuint)(10_000 * k))).ToList();
                foreach (var b in blocks) AlignedMemoryCache.Return(b);
                var kept = Enumerable.Range(0, 8).Select(_ => AlignedMemoryCache.Rent(1)).ToList();
                Assert.Equal(blocks.Skip(2).Select(b => b.Pointer).ToHashSet(), kept.Select(b => b.Pointer).ToHashSet());

                // With the cache empty (all eight rented out), a block above 16 MiB is freed on return, not kept.
                var huge = AlignedMemoryCache.Rent(17 << 20);
                AlignedMemoryCache.Return(huge);
                var next = AlignedMemoryCache.Rent(1);
                Assert.NotEqual(huge.Pointer, next.Pointer);
                Assert.True(next.Bytes < 17 << 20);
                AlignedMemoryCache.Return(next);
                foreach (var b in kept) AlignedMemoryCache.Return(b);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException($"on the worker thread: {failure}");
    }
}
