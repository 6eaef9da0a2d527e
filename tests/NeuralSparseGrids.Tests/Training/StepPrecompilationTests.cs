using System.Reflection;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

public sealed class StepPrecompilationTests
{
    // Started once per process, it prepares every non-generic method of the step's types (at least the fully optimised
    // ones a step runs: a method that cannot be prepared is skipped silently, so a count of zero would go unnoticed
    // elsewhere) and its exercise of the planning code finishes without a fault.
    [Fact]
    public async Task PreparesTheStepsMethodsOnceWithoutFault()
    {
        var task = StepPrecompilation.Start(AdaptMode.Subspaces);
        Assert.Same(task, StepPrecompilation.Start(AdaptMode.Points));
        int prepared = await task.WaitAsync(TimeSpan.FromSeconds(60));
        int optimised = new[] { typeof(GridAdaptation), typeof(SubspaceRefinement), typeof(CellDeposits), typeof(SparseGrid), typeof(GridRemap) }
            .SelectMany(t => t.GetMethods(BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance))
            .Count(m => !m.ContainsGenericParameters && (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0);
        Assert.True(optimised > 10, $"{optimised}");
        Assert.True(prepared >= optimised, $"{prepared} prepared, {optimised} optimised methods in five of the types");
    }

    // The candidate filter after a coarsening compares equal level vectors in a set and a list; the runtime compiles
    // that comparison at its first call (0.7-0.8 ms inside each of the two steps after the swiss roll's first
    // coarsening), so the exercise runs it: afterwards the call compiles nothing on this thread (in 2-D, as the exercise;
    // other lengths take other branches of the runtime's span comparison, a few small methods).
    [Fact]
    public async Task LeavesNothingToCompileForTheCandidatesAfterACoarsening()
    {
        await StepPrecompilation.Start(AdaptMode.Subspaces).WaitAsync(TimeSpan.FromSeconds(60));
        var grid = SparseGrid.Create(2, 2);
        int[] coarsened = [2, 2];
        var before = new HashSet<int[]>(GridRemap.LevelVectorComparer) { coarsened.ToArray() };
        var now = new List<int[]> { coarsened.ToArray() };
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        var candidates = GridAdaptation.Candidates(grid, long.MaxValue, before, now);
        Assert.Equal(0, System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - compiled);
        Assert.DoesNotContain(candidates, l => l.SequenceEqual(coarsened));
        Assert.Equal(2, candidates.Count);   // (3, 1) and (1, 3)
    }
}
