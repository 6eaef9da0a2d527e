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
    /// <param name="embeddings">The training embeddings (N, d) row-major, in the box.</param>
    /// <param name="options">Refine count, budget, indicator, coarsening tolerance.</param>
    /// <param name="removedBefore">Points coarsened in earlier steps: never added again as refinement children.</param>
    /// <param name="phases">Charged with the indicator's time (data mass, scores) and the rest of the plan's.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (SparseGrid Next, List<int[]> Refined, List<double> Indicators, List<int[]> Removed) Plan(
        NeuralSparseGrid model, TrainingSplit train, float[] embeddings, AdaptivityOptions options, IReadOnlySet<GridPoint> removedBefore,
        StepPhases phases)
    {
        var grid = model.Grid;
        int outputs = model.Layer.Outputs;
        long? maxBytes = model.Config.Grid.MaxBytes;
        var norms = SubspaceIndicators.SurplusNorms(model.Layer.Coefficients);
        phases.Lap("plan");
        // Per point: (1/N) sum_i phi_p(h_i), the data mass in its support: SG++'s surplus indicator |alpha_p| is
        // weighted by it, so refinement follows the data; 0 exactly when no embedding activates p.
        var mass = SubspaceIndicators.Mass(grid, embeddings);
        phases.Lap("indicator");

        // Coarsening: leaves that no training embedding activates and whose surplus is small.
        var builder = new PointRefinement(grid);
        var removedRows = new HashSet<int>();
        if (options.CoarsenTolerance > 0)
        {
            double threshold = options.CoarsenTolerance * norms.DefaultIfEmpty(0).Max();
            foreach (int row in PointRefinement.Leaves(grid))
                if (mass[row] == 0 && norms[row] <= threshold) removedRows.Add(row);
        }
        var removed = removedRows.Select(row => GridPoint.Of(grid, row)).ToList();
        builder.Remove(removed);
        var excluded = new HashSet<GridPoint>(removedBefore.Concat(removed));

        phases.Lap("plan");
        var scores = options.Indicator == RefinementIndicator.Gradient
            ? GradientScores(model, train, embeddings, builder, grid, removedRows, excluded)
            : SurplusTimesMass(norms, mass);
        phases.Lap("indicator");
        var refined = new List<int[]>();
        var indicators = new List<double>();
        foreach (int row in SubspaceIndicators.BestFirst(scores))
        {
            if (refined.Count == options.RefineCount || !(scores[row] > 0)) break;
            if (removedRows.Contains(row)) continue;
            var point = GridPoint.Of(grid, row);
            var missing = builder.MissingWithAncestors(point.Children(grid.Type, maxLevel1D: 30), excluded);
            if (missing.Count == 0) continue;
            if (options.MaxPoints is long max && builder.PointCount + missing.Count > max) continue;
            builder.Add(missing);
            refined.Add(point.ToArray());
            indicators.Add(scores[row]);
        }
        var next = refined.Count > 0 || removed.Count > 0 ? builder.Build(outputs, maxBytes) : grid;
        return (next, refined, indicators, removed.Select(p => p.ToArray()).ToList());
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
        SparseGrid grid, HashSet<int> removedRows, HashSet<GridPoint> excluded)
    {
        using var scope = NewDisposeScope();
        var candidates = new PointRefinement(kept.Build(model.Layer.Outputs, model.Config.Grid.MaxBytes));
        var children = new List<GridPoint>[grid.PointCount];
        for (int row = 0; row < grid.PointCount; row++)
        {
            if (removedRows.Contains(row)) { children[row] = []; continue; }
            children[row] = GridPoint.Of(grid, row).Children(grid.Type, maxLevel1D: 30).Where(c => !kept.Contains(c) && !excluded.Contains(c)).ToList();
        }
        candidates.Add(candidates.MissingWithAncestors(children.SelectMany(c => c)));
        var candidateGrid = candidates.Build(model.Layer.Outputs, model.Config.Grid.MaxBytes);
        var carried = CoefficientRemap.Rows(model.Layer.Coefficients, GridRemap.PointSources(grid, candidateGrid));
        var g = SubspaceIndicators.CoefficientGradient(model, candidateGrid, carried, train, embeddings);
        int outputs = model.Layer.Outputs;
        var subspaces = GridRemap.SubspaceIndex(candidateGrid);
        var scores = new double[grid.PointCount];
        for (int row = 0; row < grid.PointCount; row++)
        {
            double sum = 0;
            foreach (var c in children[row])
            {
                int at = candidateGrid.PointRow(subspaces[c.Levels], c.LocalIndex(grid.Type));
                for (int o = 0; o < outputs; o++) sum += g[(long)at * outputs + o] * g[(long)at * outputs + o];
            }
            scores[row] = Math.Sqrt(sum);
        }
        return scores;
    }
}
