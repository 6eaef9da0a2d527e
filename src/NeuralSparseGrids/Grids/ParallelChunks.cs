namespace NeuralSparseGrids.Grids;

/// <summary>
/// The one way the CPU kernels split work over threads: [0, total) in contiguous chunks, each chunk run with a
/// per-thread state created once per worker (scratch buffers, partial sums) and finished once per worker.
/// </summary>
internal static class ParallelChunks
{
    /// <summary>The index range [start, end) of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over <paramref name="total"/> items.</summary>
    public static (int start, int end) Range(int chunk, int chunks, int total) =>
        ((int)((long)total * chunk / chunks), (int)((long)total * (chunk + 1) / chunks));

    /// <summary>
    /// Runs body(chunk, state) for every chunk on at most <paramref name="threads"/> threads (serially for one thread
    /// or one chunk; on the <see cref="ThreadTeam"/> where it is free, else through <see cref="Parallel"/>), then
    /// finish(state) once per state. An exception of a body is rethrown as itself, not wrapped in an
    /// <see cref="AggregateException"/>, so the parallel and serial runs report the same error.
    /// </summary>
    public static void For<TState>(int chunks, int threads, Func<TState> init, Action<int, TState> body, Action<TState> finish)
    {
        if (chunks <= 0) return;
        if (threads <= 1 || chunks == 1)
        {
            var state = init();
            for (int i = 0; i < chunks; i++) body(i, state);
            finish(state);
            return;
        }
        // On the thread team: every participant takes the next chunk until none is left (chunks of unequal cost
        // balance themselves), with its own state.
        int next = -1;
        if (ThreadTeam.Shared.TryRun(Math.Min(threads, chunks), _ =>
            {
                var state = init();
                try
                {
                    for (int i; (i = Interlocked.Increment(ref next)) < chunks;) body(i, state);
                }
                finally
                {
                    finish(state);
                }
            }))
            return;
        // The team is busy with another caller's region, or this is a region inside one.
        try
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, init,
                (i, _, state) => { body(i, state); return state; }, finish);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
