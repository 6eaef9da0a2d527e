using System.Reflection;
using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Compiles the code of a grid adaptation step on a thread-pool thread while the first epochs train, so that the first
/// step does not stop training to compile it.
/// </summary>
/// <remarks>
/// The step's own methods are compiled fully optimised (AggressiveOptimization: a step runs rarely, so tiered
/// compilation would leave it in unoptimised code for the whole run), and this VM's JIT is slow on them: the swiss
/// roll's first subspace step took 38-42 ms, 103-108 methods, against 0.15-0.25 ms for every later step and 4 ms for an
/// epoch. Training on the swiss roll keeps one core busy, so on a machine with two or more the compiling is free in wall
/// time; on one core it is the same work done earlier. Only non-generic methods of the step's types are prepared
/// (generic code is compiled per instantiation on first use, as before); a method that cannot be prepared is left to
/// its first call. Started once per process.
/// </remarks>
internal static class StepPrecompilation
{
    private static readonly Lazy<Task<int>> Compiled = new(() => Task.Run(CompileAll));

    /// <summary>The types whose methods a step runs: planning, indicators, grid building, remapping.</summary>
    private static readonly Type[] StepTypes =
    [
        typeof(GridAdaptation), typeof(PointAdaptation), typeof(SubspaceIndicators), typeof(BestFirstOrder), typeof(CoarsenedPoints),
        typeof(EpochEmbeddings), typeof(StepPhases), typeof(CellDeposits), typeof(SubspaceRefinement), typeof(PointRefinement),
        typeof(SparseGrid), typeof(GridRemap), typeof(CoefficientRemap),
        // Carrying the model, the optimizer state and the snapshots over to the new grid.
        typeof(NeuralSparseGrid), typeof(SparseGridLayer), typeof(GridConfig), typeof(FusedAdam), typeof(ParameterSnapshot),
    ];

    /// <summary>Starts the compilation (once per process); the task's result is the number of methods prepared.</summary>
    public static Task<int> Start() => Compiled.Value;

    private static int CompileAll()
    {
        int prepared = 0;
        foreach (var type in StepTypes) prepared += Compile(type);
        ExerciseSubspacePlan();
        return prepared;
    }

    /// <summary>
    /// Runs a subspace step's planning once on a tiny grid (pure functions, nothing shared): this compiles the generic
    /// code it uses (the deposit tables' dictionary, span helpers), which <see cref="RuntimeHelpers.PrepareMethod(RuntimeMethodHandle)"/>
    /// cannot reach.
    /// </summary>
    private static void ExerciseSubspacePlan()
    {
        var grid = SparseGrid.Create(2, 2);
        var embeddings = new float[2 * 16];
        for (int i = 0; i < 16; i++) (embeddings[2 * i], embeddings[2 * i + 1]) = ((i % 4 + 0.5f) / 4, (i / 4 + 0.5f) / 4);
        var candidates = SubspaceRefinement.AdmissibleForwardNeighbours(grid, maxLevel1D: 30);
        var norms = new double[grid.PointCount];
        Array.Fill(norms, 1.0);
        SubspaceIndicators.SurplusByDeposits(grid, candidates, norms, SubspaceIndicators.InBox(embeddings));
        var grown = SubspaceRefinement.Grow(grid, candidates.Take(1));
        GridRemap.PointSources(grid, grown);
    }

    private static int Compile(Type type)
    {
        if (type.ContainsGenericParameters) return 0;
        int prepared = 0;
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null) continue;
            try
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
                prepared++;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or TypeLoadException or BadImageFormatException)
            {
                // Left to be compiled on its first call, as without this class.
            }
        }
        foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic)) prepared += Compile(nested);
        return prepared;
    }
}
