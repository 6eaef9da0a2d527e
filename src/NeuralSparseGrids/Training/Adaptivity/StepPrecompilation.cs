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
/// compilation would leave it in unoptimised code for the whole run), which is slow to compile: on the 2-core
/// development machine the swiss roll's first subspace step took 38-48 ms, 103-108 methods, against 0.15-0.25 ms for
/// every later step and 4 ms for an epoch. Training on the swiss roll keeps one core busy, so on a machine with two or more the compiling (about 0.14 s
/// of one core for all types) is free in wall time; on one core it is the same work done earlier. Non-generic methods of
/// the step's types are prepared, and a subspace step's planning is run once on a tiny grid for the generic code it
/// uses; the rest (TorchSharp's and the runtime's generic code on the model and optimizer carry-over) is still
/// compiled by the first step, 3.5-5.7 ms on the swiss roll. A method that cannot be prepared is left to its first
/// call. Started once per process: by <see cref="Experiments.ExperimentRunner"/> before it reads the data, and by
/// <see cref="NsgTrainer"/> for library callers.
/// </remarks>
internal static class StepPrecompilation
{
    private static readonly object Gate = new();
    private static Task<int>? _compiled;

    /// <summary>The types a step of either mode runs, in the order a step first needs them: planning, grid building, remapping, carrying the model, optimizer state and snapshots over.</summary>
    private static readonly Type[] CommonTypes =
    [
        typeof(GridAdaptation), typeof(SubspaceRefinement), typeof(SparseGrid), typeof(BestFirstOrder), typeof(GridRemap), typeof(NeuralSparseGrid),
        typeof(SparseGridLayer), typeof(CoefficientRemap), typeof(FusedAdam), typeof(ParameterSnapshot), typeof(GridConfig), typeof(EpochEmbeddings),
        typeof(StepPhases),
    ];

    /// <summary>Subspace refinement's indicators.</summary>
    private static readonly Type[] SubspaceTypes = [typeof(SubspaceIndicators), typeof(CellDeposits)];

    /// <summary>Point refinement and coarsening.</summary>
    private static readonly Type[] PointTypes = [typeof(PointAdaptation), typeof(PointRefinement), typeof(CoarsenedPoints)];

    /// <summary>
    /// Starts the compilation (once per process; later calls return the first call's task), the types of
    /// <paramref name="mode"/> first; the task's result is the number of methods prepared.
    /// </summary>
    public static Task<int> Start(AdaptMode mode)
    {
        lock (Gate) return _compiled ??= Task.Run(() => CompileAll(mode));
    }

    private static int CompileAll(AdaptMode mode)
    {
        bool points = mode == AdaptMode.Points;
        int prepared = 0;
        foreach (var type in points ? PointTypes : SubspaceTypes) prepared += Compile(type);
        foreach (var type in CommonTypes) prepared += Compile(type);
        if (!points) ExerciseSubspacePlan();
        foreach (var type in points ? SubspaceTypes : PointTypes) prepared += Compile(type);
        if (points) ExerciseSubspacePlan();
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
        // Coarsening: removing the added subspace again.
        GridRemap.PointSources(grown, SubspaceRefinement.Shrink(grown, [grown.SubspaceCount - 1]));
        // The candidates once something was coarsened: the set and list lookups of equal level vectors (the runtime's
        // vectorised span comparison is compiled at its first call, about 0.7-0.8 ms each in the first two steps after a
        // coarsening on the swiss roll before this).
        GridAdaptation.Candidates(grid, long.MaxValue, new HashSet<int[]>(GridRemap.LevelVectorComparer) { candidates[0].ToArray() }, [candidates[0].ToArray()]);
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
