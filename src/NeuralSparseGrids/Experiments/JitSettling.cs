using System.Diagnostics;
using System.Runtime;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// Warm-up for timings of repeated work (a training step, a layer's forward and backward): calls the work until the
/// .NET runtime has compiled no method for a while, so that the timed calls see the steady state a training run is in
/// after its first second or so.
/// </summary>
/// <remarks>
/// Why not a fixed number of warm-up calls: tiered compilation first runs a method as quick, unoptimised code, counts
/// its calls once no new method has been compiled for 100 ms, and after 30 calls recompiles it optimised on a
/// background thread. A layer step goes through a few hundred such methods (TorchSharp's wrappers, the autograd
/// function, and then the thread pool the kernel ran on), so for the first hundred or so steps that thread is
/// compiling. On a two-core machine it takes one of the two cores a parallel kernel runs on: `nsg bench layer`'s fused step (d = 8, level 7, 2 threads)
/// took 2.5-3.0 ms over its first 60 steps and 1.7 ms once the compiling had stopped, the kernel alone 1.9 ms (first
/// 60 calls of a direct kernel call inside that step: 0.9 ms forward against 0.5 ms after). The kernel's own methods
/// are compiled optimised at once (AggressiveOptimization) and are not what is waited for. The compiling comes in
/// waves (with tiered PGO a method goes through an instrumented version before the optimised one): with a quiet period
/// of 0.3 s some warm-ups stopped after 270 steps and 455 methods between two waves, and the timed steps then ran beside
/// the next one; with 1 s every warm-up ran on to 1,470-1,490 methods (1,400-3,000 steps, 3-6 s), and the fused step's
/// median was 1.66-1.70 ms in three runs against 2.8-3.1 ms after a single warm-up step in the same session.
/// </remarks>
public static class JitSettling
{
    /// <summary>What a warm-up did: calls made, seconds spent, methods the runtime compiled meanwhile, and whether it settled.</summary>
    /// <param name="Calls">Calls of the work made during the warm-up.</param>
    /// <param name="Seconds">Wall-clock seconds of the warm-up.</param>
    /// <param name="MethodsCompiled">Methods the runtime compiled (first compilations and tier-up recompilations) during it.</param>
    /// <param name="Settled">
    /// True if a quiet period ended it, false if the time limit did; null for a fixed number of calls (<see cref="Fixed"/>).
    /// </param>
    public sealed record Result(int Calls, double Seconds, long MethodsCompiled, bool? Settled)
    {
        /// <summary>One line for a benchmark's output.</summary>
        public override string ToString() =>
            $"warm-up of {Calls} calls, {Seconds:F2} s, {MethodsCompiled} methods compiled meanwhile" +
            (Settled == false ? " (time limit reached before the compiler went quiet)" : Settled is null ? " (fixed count)" : "");
    }

    /// <summary>Exactly <paramref name="calls"/> calls of <paramref name="work"/> (a warm-up as earlier figures were measured).</summary>
    public static Result Fixed(Action work, int calls)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfNegative(calls);
        long compiled = JitInfo.GetCompiledMethodCount(currentThread: false);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) work();
        return new Result(calls, watch.Elapsed.TotalSeconds, JitInfo.GetCompiledMethodCount(currentThread: false) - compiled, Settled: null);
    }

    /// <summary>
    /// Calls <paramref name="work"/> at least <paramref name="minCalls"/> times and then until no method has been
    /// compiled during the last <paramref name="quietCalls"/> calls and the last <paramref name="quietSeconds"/>
    /// seconds (both: 30 calls promote a method, call counting starts 0.1 s after the last compilation, and the waves of
    /// recompilation can be a few hundred milliseconds apart), or until
    /// <paramref name="maxSeconds"/> have passed.
    /// </summary>
    public static Result WarmUp(Action work, int minCalls = 3, int quietCalls = 40, double quietSeconds = 1.0, double maxSeconds = 20)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfNegative(minCalls);
        ArgumentOutOfRangeException.ThrowIfNegative(quietCalls);
        long compiledAtStart = JitInfo.GetCompiledMethodCount(currentThread: false), compiled = compiledAtStart;
        var total = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        int calls = 0, quietRun = 0;
        while (true)
        {
            work();
            calls++;
            long now = JitInfo.GetCompiledMethodCount(currentThread: false);
            if (now != compiled)
            {
                compiled = now;
                quietRun = 0;
                quiet.Restart();
            }
            else quietRun++;
            bool settled = calls >= minCalls && quietRun >= quietCalls && quiet.Elapsed.TotalSeconds >= quietSeconds;
            if (settled || total.Elapsed.TotalSeconds >= maxSeconds)
                return new Result(calls, total.Elapsed.TotalSeconds, compiled - compiledAtStart, settled);
        }
    }
}
