using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The plan of one spatially adaptive step (<see cref="AdaptMode.Points"/>; carried out by <see cref="GridAdaptation"/>
/// like a subspace step): SG++ coarsening of leaf points, then SG++ refinement of the points with the largest indicator,
/// each adding its hierarchical children in every dimension plus their missing ancestors (<see cref="PointRefinement"/>).
/// </summary>
internal static class PointAdaptation
{
    /// <summary>
    /// The grid after coarsening and refinement; the refined points (<see cref="GridPoint.ToArray"/>: levels then
    /// positions), best indicator first, with their indicators; the removed points.
    /// </summary>
    /// <param name="model">The model (its grid and coefficients are read).</param>
    /// <param name="train">The training split (for the gradient indicator).</param>
    /// <param name="embeddings">The training embeddings (N, d) row-major, in the box (asked for only when needed).</param>
    /// <param name="massUnits">The points' data mass as gathered in the epoch's training steps (<see cref="DataMass"/>
    /// units, <see cref="EpochEmbeddings"/>), or null to sum it from the embeddings (the same bits).</param>
    /// <param name="options">Refine count, budget, indicator, coarsening tolerance.</param>
    /// <param name="removedBefore">Points coarsened in earlier steps: never added again as refinement children.</param>
    /// <param name="phases">Charged with the indicator's time (data mass, scores) and the rest of the plan's.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (SparseGrid Next, List<int[]> Refined, List<double> Indicators, List<int[]> Removed) Plan(
        NeuralSparseGrid model, TrainingSplit train, Func<float[]> embeddings, long[]? massUnits, AdaptivityOptions options,
        CoarsenedPoints removedBefore, StepPhases phases)
    {
        var grid = model.Grid;
        int outputs = model.Layer.Outputs;
        long? maxBytes = model.Config.Grid.MaxBytes;
        phases.Lap("plan");
        var norms = SubspaceIndicators.SurplusNorms(model.Layer.Coefficients);
        // Per point: (1/N) sum_i phi_p(h_i), the data mass in its support: SG++'s surplus indicator |alpha_p| is
        // weighted by it, so refinement follows the data; 0 exactly when no embedding activates p.
        var mass = massUnits is not null ? SubspaceIndicators.Mass(massUnits, train.Count) : SubspaceIndicators.Mass(grid, embeddings());
        phases.Lap("indicator");

        // Coarsening: leaves that no training embedding activates and whose surplus is small. Points coarsened now
        // or before are never added back as refinement children.
        var builder = new PointRefinement(grid);
        var removed = new List<int[]>();
        bool[]? removedRows = null;
        if (options.CoarsenTolerance > 0)
        {
            double threshold = options.CoarsenTolerance * GridAdaptation.Largest(norms);
            foreach (int row in PointRefinement.Leaves(grid))
                if (mass[row] == 0 && norms[row] <= threshold)
                {
                    (removedRows ??= new bool[grid.PointCount])[row] = true;
                    removed.Add(builder.RowArray(row));
                    builder.RemoveRow(row);
                }
        }
        foreach (var (levels, locals) in removedBefore.LocalsByLevels(grid.Type)) builder.Exclude(levels, locals);
        foreach (var point in removed) builder.Exclude(GridPoint.FromArray(point));

        phases.Lap("plan");
        var scores = options.Indicator == RefinementIndicator.Gradient
            ? GradientScores(model, train, embeddings(), builder, grid, removedRows, Excluded(removedBefore.Points, removed))
            : SurplusTimesMass(norms, mass);
        phases.Lap("indicator");
        var refined = new List<int[]>();
        var indicators = new List<double>();
        var best = new BestFirstOrder(scores);
        while (best.TryNext(out int row))
        {
            if (refined.Count == options.RefineCount || !(scores[row] > 0)) break;
            // A full budget takes no refinement (each adds a point): stop rather than refine and undo every row.
            if (options.MaxPoints is long full && builder.PointCount >= full) break;
            if (removedRows is not null && removedRows[row]) continue;
            // Adds the row's absent children and their absent ancestors; taken back when over the budget.
            if (builder.RefineRow(row, maxLevel1D: 30) == 0) continue;
            if (options.MaxPoints is long max && builder.PointCount > max)
            {
                builder.UndoRefinement();
                continue;
            }
            refined.Add(builder.RowArray(row));
            indicators.Add(scores[row]);
        }
        var next = refined.Count > 0 || removed.Count > 0 ? builder.Build(outputs, maxBytes) : grid;
        return (next, refined, indicators, removed);
    }

    private static HashSet<GridPoint> Excluded(IReadOnlySet<GridPoint> removedBefore, List<int[]> removed)
    {
        var excluded = new HashSet<GridPoint>(removedBefore);
        foreach (var point in removed) excluded.Add(GridPoint.FromArray(point));
        return excluded;
    }

    private static double[] SurplusTimesMass(double[] norms, double[] mass)
    {
        var scores = new double[norms.Length];
        for (int p = 0; p < scores.Length; p++) scores[p] = norms[p] * mass[p];
        return scores;
    }

    /// <summary>
    /// Per point of <paramref name="grid"/>: the norm of d(loss)/dC on its absent children (coefficients zero) over
    /// the training split, on the grid with every refinable point's children added: the greedy choice of the
    /// refinement that lowers the training loss fastest.
    /// </summary>
    private static double[] GradientScores(NeuralSparseGrid model, TrainingSplit train, float[] embeddings, PointRefinement kept,
        SparseGrid grid, bool[]? removedRows, HashSet<GridPoint> excluded)
    {
        using var scope = NewDisposeScope();
        var candidates = new PointRefinement(kept.Build(model.Layer.Outputs, model.Config.Grid.MaxBytes));
        var children = new List<GridPoint>[grid.PointCount];
        for (int row = 0; row < grid.PointCount; row++)
        {
            if (removedRows is not null && removedRows[row]) { children[row] = []; continue; }
            children[row] = GridPoint.Of(grid, row).Children(grid.Type, maxLevel1D: 30).Where(c => !kept.Contains(c) && !excluded.Contains(c)).ToList();
        }
        candidates.Add(candidates.MissingWithAncestors(children.SelectMany(c => c)));
        var candidateGrid = candidates.Build(model.Layer.Outputs, model.Config.Grid.MaxBytes);
        var carried = CoefficientRemap.Rows(model.Layer.Coefficients, GridRemap.PointSources(grid, candidateGrid));
        var g = SubspaceIndicators.CoefficientGradient(model, candidateGrid, carried, train, embeddings);
        int outputs = model.Layer.Outputs;
        var scores = new double[grid.PointCount];
        for (int row = 0; row < grid.PointCount; row++)
        {
            double sum = 0;
            foreach (var c in children[row])
            {
                int at = candidateGrid.PointRow(candidateGrid.FindSubspace(c.Levels), c.LocalIndex(grid.Type));
                for (int o = 0; o < outputs; o++) sum += g[(long)at * outputs + o] * g[(long)at * outputs + o];
            }
            scores[row] = Math.Sqrt(sum);
        }
        return scores;
    }
}
