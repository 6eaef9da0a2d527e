using System.Runtime.ExceptionServices;

namespace NeuralSparseGrids.Grids;

/// <summary>
/// A fixed team of dedicated background threads that run one parallel region at a time together with the calling
/// thread, as an OpenMP team does: each helper waits on its own event between regions, so a region costs one wake-up
/// per helper and nothing else.
/// </summary>
/// <remarks>
/// Why not <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>: the fused layer's step opens four
/// regions (two active-function tables, forward, backward), each a few hundred microseconds. Through the thread pool
/// every region queued replicated tasks that several pool threads picked up and put down again: on the 2-core
/// development machine `perf stat` counted about 16 context switches per region (522,000 in a 16 s kernel profile,
/// against 1,331 for the same work in C with OpenMP), and the kernel's two threads did 35 % more CPU work than one.
/// The team's helpers are created on first use, never exit (background threads), and are shared by all callers: a
/// region that finds the team busy (another thread's region) or that is opened from inside a region runs the caller's
/// own way instead (<see cref="TryRun"/> returns false), so nothing waits on the team and nothing deadlocks.
/// <para>
/// Waiting, as OpenMP's default policy does, first spins and then sleeps: a helper keeps checking for the next region
/// for <see cref="HelperSpin"/> after its part, and the caller checks for the helpers' end for up to
/// <see cref="CallerSpin"/> before it blocks; both yield the processor now and then, so a runnable thread on the same
/// core is not held up. Why: waking a thread that sleeps in the kernel took tens of microseconds on the 2-core
/// development machine (a virtual machine: the idle virtual processor must be scheduled again), twice per region;
/// the fused layer's step (four regions, two of them separated only by the loss and autograd's bookkeeping), in steps
/// alternated with and without spinning in one process, ran 0.14-0.21 ms (about a tenth) faster with both spins while
/// the machine was busy, and the same while it was quiet; MNIST training (regions between long libtorch convolutions)
/// was not slower. The environment variable NSG_TEAM_SPIN_US sets the helpers' spin in microseconds (0: sleep at once,
/// as on a machine whose cores other processes need).
/// </para>
/// </remarks>
internal sealed class ThreadTeam
{
    /// <summary>The process's team.</summary>
    public static ThreadTeam Shared { get; } = new();

    /// <summary>How long a helper checks for the next region before it sleeps (NSG_TEAM_SPIN_US, default 200 µs).</summary>
    public static TimeSpan HelperSpin { get; } = TimeSpan.FromMicroseconds(
        int.TryParse(Environment.GetEnvironmentVariable("NSG_TEAM_SPIN_US"), out int us) && us >= 0 ? us : 200);

    /// <summary>How long the caller checks for the helpers' end of a region before it blocks.</summary>
    public static TimeSpan CallerSpin { get; } = TimeSpan.FromMilliseconds(1);

    [ThreadStatic] private static bool _insideRegion;

    private readonly object _gate = new();
    private readonly List<Helper> _helpers = [];
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _work;
    private int _pending;
    private Exception? _error;

    /// <summary>Helper threads started so far (the team grows to the largest region asked for).</summary>
    public int HelperCount
    {
        get
        {
            lock (_helpers) return _helpers.Count;
        }
    }

    /// <summary>
    /// Runs work(0) on the calling thread and work(1) .. work(participants - 1) on helpers at the same time, and
    /// returns true once all have returned; the first exception any of them threw is rethrown as itself. Returns false,
    /// running nothing, when fewer than two participants are asked for, when called from inside a region, or while
    /// another thread's region holds the team.
    /// </summary>
    public bool TryRun(int participants, Action<int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (participants <= 1 || _insideRegion || !Monitor.TryEnter(_gate)) return false;
        try
        {
            EnsureHelpers(participants - 1);
            _work = work;
            _error = null;
            _done.Reset();
            Volatile.Write(ref _pending, participants - 1);
            for (int i = 0; i < participants - 1; i++) _helpers[i].Start(i + 1);
            _insideRegion = true;
            try
            {
                work(0);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                _insideRegion = false;
            }
            SpinUntilSet(_done, CallerSpin);
            _done.Wait();
            _work = null;
            if (_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
            return true;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>
    /// Returns once <paramref name="e"/> is set or <paramref name="limit"/> has passed, checking all the while and
    /// yielding the processor every few microseconds (a thread that wants this core gets it).
    /// </summary>
    internal static bool SpinUntilSet(ManualResetEventSlim e, TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero) return e.IsSet;
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        for (int i = 1; !e.IsSet; i++)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() >= until) return false;
            if ((i & 63) == 0) Thread.Yield();
            else Thread.SpinWait(10);
        }
        return true;
    }

    private void EnsureHelpers(int count)
    {
        lock (_helpers)
            while (_helpers.Count < count) _helpers.Add(new Helper(this, _helpers.Count + 1));
    }

    // A helper's part of the current region, called on the helper's thread.
    private void RunPart(int participant)
    {
        try
        {
            _work!(participant);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        finally
        {
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    /// <summary>One dedicated thread: waits for a region, runs its participant's part, waits again.</summary>
    private sealed class Helper
    {
        private readonly ThreadTeam _team;
        private readonly ManualResetEventSlim _go = new(false);
        private int _participant;

        public Helper(ThreadTeam team, int number)
        {
            _team = team;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"nsg-team-{number}" };
            thread.Start();
        }

        public void Start(int participant)
        {
            _participant = participant;
            _go.Set();
        }

        private void Loop()
        {
            _insideRegion = true;   // a region opened from a helper's part runs the caller's own way
            while (true)
            {
                SpinUntilSet(_go, HelperSpin);
                _go.Wait();
                _go.Reset();
                _team.RunPart(Volatile.Read(ref _participant));
            }
        }
    }
}
