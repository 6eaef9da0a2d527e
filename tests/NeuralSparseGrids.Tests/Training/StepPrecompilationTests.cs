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
}
