using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Tests.Grids;

// The kernels' thread team: each participant runs once, at the same time on distinct threads; errors come back as
// themselves and leave the team usable; a region inside a region, or one that finds the team busy, is refused, and
// ParallelChunks then still runs every chunk once.
public sealed class ThreadTeamTests
{
    [Fact]
    public void RunsEveryParticipantOnceOnItsOwnThreadTogether()
    {
        var team = new ThreadTeam();
        const int participants = 3;
        var threads = new int[participants];
        var runs = new int[participants];
        using var allArrived = new Barrier(participants);
        bool ran = team.TryRun(participants, p =>
        {
            Interlocked.Increment(ref runs[p]);
            threads[p] = Environment.CurrentManagedThreadId;
            // Every participant must be running at once for the barrier to open (a sequential team would time out).
            Assert.True(allArrived.SignalAndWait(TimeSpan.FromSeconds(20)), "the participants did not run at the same time");
        });
        Assert.True(ran);
        Assert.All(runs, r => Assert.Equal(1, r));
        Assert.Equal(Environment.CurrentManagedThreadId, threads[0]);
        Assert.Equal(participants, threads.Distinct().Count());
        Assert.Equal(participants - 1, team.HelperCount);
    }

    [Fact]
    public void RethrowsAHelpersExceptionAsItselfAndStaysUsable()
    {
        var team = new ThreadTeam();
        var error = Assert.Throws<InvalidOperationException>(() => team.TryRun(2, p =>
        {
            if (p == 1) throw new InvalidOperationException("helper failed");
        }));
        Assert.Equal("helper failed", error.Message);
        int sum = 0;
        Assert.True(team.TryRun(2, p => Interlocked.Add(ref sum, p + 1)));
        Assert.Equal(3, sum);
    }

    [Fact]
    public void RefusesANestedRegionAndParallelChunksStillRunsEveryChunk()
    {
        var team = new ThreadTeam();
        bool? nestedRan = null;
        var inner = new int[2][];
        Assert.True(team.TryRun(2, p =>
        {
            if (p == 0) nestedRan = team.TryRun(2, _ => { });
            // A kernel region opened from inside a region (on the shared team) runs the caller's own way.
            var seen = new int[10];
            ParallelChunks.For(10, 2, () => 0, (chunk, _) => Interlocked.Increment(ref seen[chunk]), _ => { });
            inner[p] = seen;
        }));
        Assert.False(nestedRan);
        Assert.All(inner, seen => Assert.All(seen, count => Assert.Equal(1, count)));
    }

    [Fact]
    public void ConcurrentCallersEachRunEveryChunkOnceWithOneStatePerWorker()
    {
        const int chunks = 64;
        var totals = new long[4];
        var finished = new int[4];
        Parallel.For(0, 4, caller =>
        {
            for (int round = 0; round < 20; round++)
            {
                long total = 0;
                int states = 0, finishes = 0;
                ParallelChunks.For(chunks, 2, () =>
                {
                    Interlocked.Increment(ref states);
                    return new long[1];
                }, (chunk, sum) => sum[0] += chunk + 1, sum =>
                {
                    Interlocked.Add(ref total, sum[0]);
                    Interlocked.Increment(ref finishes);
                });
                Assert.Equal(states, finishes);
                Interlocked.Add(ref totals[caller], total);
            }
            finished[caller] = 1;
        });
        Assert.All(finished, f => Assert.Equal(1, f));
        Assert.All(totals, t => Assert.Equal(20L * chunks * (chunks + 1) / 2, t));
    }

    [Fact]
    public void SpinningStopsWhenTheEventIsSetOrTheLimitHasPassed()
    {
        using var never = new ManualResetEventSlim(false);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(ThreadTeam.SpinUntilSet(never, TimeSpan.FromMilliseconds(20)));
        Assert.InRange(watch.Elapsed.TotalMilliseconds, 20, 5000);

        using var soon = new ManualResetEventSlim(false);
        var setter = new Thread(() =>
        {
            Thread.Sleep(10);
            soon.Set();
        });
        setter.Start();
        watch.Restart();
        Assert.True(ThreadTeam.SpinUntilSet(soon, TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"spun {watch.Elapsed} after the event was set");
        setter.Join();

        Assert.True(ThreadTeam.SpinUntilSet(soon, TimeSpan.Zero));
        Assert.False(ThreadTeam.SpinUntilSet(never, TimeSpan.Zero));
    }

    [Fact]
    public void RegionsAfterTheHelpersHaveGoneToSleepStillRunEveryParticipant()
    {
        var team = new ThreadTeam();
        for (int round = 0; round < 3; round++)
        {
            var ran = new int[2];
            Assert.True(team.TryRun(2, p => Interlocked.Increment(ref ran[p])));
            Assert.Equal([1, 1], ran);
            // Longer than the helpers' spin: the next region must wake a sleeping helper.
            Thread.Sleep(ThreadTeam.HelperSpin + TimeSpan.FromMilliseconds(5));
        }
    }
}
