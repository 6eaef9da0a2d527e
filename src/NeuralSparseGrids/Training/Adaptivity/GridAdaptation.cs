using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Refinement and coarsening of a model's sparse grid during training (<see cref="AdaptivityOptions"/>): dimension
/// adaptive (whole subspaces, <see cref="AdaptMode.Subspaces"/>) or spatially adaptive (single points with their
/// hierarchical ancestors, <see cref="AdaptMode.Points"/>, planned by <see cref="PointAdaptation"/>); both carry the
/// model, optimizer state and snapshots the same way.
/// A step (after every <see cref="AdaptivityOptions.RefineEvery"/> epochs): coarsen removable leaves, score the
/// admissible forward neighbours of what is left, add the best within the point budget, then move the layer onto the
/// new grid in place with the coefficients carried (<see cref="NeuralSparseGrid.ChangeGrid"/>), the optimizer's state
/// carried (<see cref="IStepOptimizer.ReplaceParameter"/>) and the loop's parameter snapshots carried, so training,
/// model selection and checkpoints continue on the new grid. New coefficients start at zero: refinement alone leaves
/// the function unchanged.
/// </summary>
/// <remarks>
/// The indicators and coarsening read the training embeddings as of the step's epoch: the ones its mini-batches'
/// forward passes computed (<see cref="EpochEmbeddings"/>, gathered by <see cref="NsgTrainer"/>), so a step does not
/// embed the training split again; without them (a direct call, or an encoder with batch norm or dropout) it embeds
/// afresh in evaluation mode. Each step's wall time and its phases are in <see cref="GridRefinement"/>.
/// Deterministic: a step reads only the model's parameters and the training split (and that epoch's embeddings of
/// it), so a run resumed from a checkpoint written after a step repeats the uninterrupted run.
/// <para>
/// Cost: a run takes a handful of steps, too few for tiered compilation ever to optimise the code they run, so the
/// methods on a step's path (here, <see cref="PointAdaptation"/>, the indicators, <see cref="PointRefinement"/>,
/// <see cref="SubspaceRefinement"/>, the grid factories and <see cref="GridRemap"/>) are marked
/// <see cref="System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization"/> and use loops and array sorts
/// rather than LINQ (whose delegates would stay unoptimised). A step also runs cold (the epochs in between evict its
/// code and data), so the plan touches little: level vectors are found through the grid's own hash table
/// (<see cref="SparseGrid.FindSubspace"/>) and neighbour tables, candidates and leaves come from index arithmetic on
/// them, and points are (subspace, local index) pairs on bitmaps (<see cref="PointRefinement"/>), not
/// <see cref="GridPoint"/> objects in sets. Point refinement's data mass is gathered by the epoch's fused training
/// steps (<see cref="EpochEmbeddings"/>, priced and charged to the step as "mass") instead of a pass over every
/// embedding per subspace; the surplus indicator of candidate subspaces comes from <see cref="CellDeposits"/> where
/// they pay.
/// </para>
/// </remarks>
public sealed class GridAdaptation
{
    private readonly AdaptivityOptions _options;
    private readonly HashSet<int[]> _removed = new(GridRemap.LevelVectorComparer);
    private readonly CoarsenedPoints _removedPoints = new();

    /// <summary>Creates the adaptation of <paramref name="options"/>; <paramref name="history"/>: the steps of a resumed run.</summary>
    public GridAdaptation(AdaptivityOptions options, IEnumerable<GridRefinement>? history = null)
    {
        options.Validate();
        _options = options;
        foreach (var step in history ?? []) Record(step);
    }

    /// <summary>The steps taken so far (including those of the run a resume continued).</summary>
    public List<GridRefinement> Steps { get; } = [];

    /// <summary>
    /// True when steps read the points' data mass, which the training loop can gather (<see cref="EpochEmbeddings"/>):
    /// point refinement (indicators and coarsening), and subspace refinement with coarsening (a point is activated
    /// when its mass is not zero: without the gathered mass every step ran the term visitor over every embedding and
    /// subspace for that, 0.2-0.3 ms a step on the swiss roll).
    /// </summary>
    public bool GathersMass => _options.Mode == AdaptMode.Points || (_options.Mode == AdaptMode.Subspaces && _options.CoarsenTolerance > 0);

    /// <summary>
    /// False when a step that has the gathered mass reads nothing else of the epoch's embeddings (point refinement
    /// with the surplus indicator: its scores and coarsening are mass and surpluses), so the epoch need not copy them.
    /// </summary>
    public bool ReadsRowsBesideMass => !(_options.Mode == AdaptMode.Points && _options.Indicator == RefinementIndicator.Surplus);

    /// <summary>True after epoch <paramref name="epoch"/> when a step is due.</summary>
    public bool IsDue(int epoch) => _options.Mode != AdaptMode.None && epoch % _options.RefineEvery == 0;

    /// <summary>
    /// Adapts <paramref name="model"/>'s grid after <paramref name="epoch"/> and carries the optimizer state and the
    /// given snapshots (each a <c>state_dict()</c> copy holding <see cref="NeuralSparseGrid.CoefficientsKey"/>) to it;
    /// returns the step, or null when nothing changed. The indicators and coarsening read the training embeddings
    /// <paramref name="gathered"/> holds for <paramref name="epoch"/> (the epoch's own forward passes, see
    /// <see cref="EpochEmbeddings"/>; their gathering time is charged to the step), else a fresh embedding of
    /// <paramref name="train"/> in evaluation mode.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public GridRefinement? Step(int epoch, NeuralSparseGrid model, IStepOptimizer optimizer, TrainingSplit train,
        IEnumerable<Dictionary<string, Tensor>?> snapshots, EpochEmbeddings? gathered = null)
    {
        var phases = new StepPhases();
        var grid = model.Grid;
        // What the epoch gathered was paid for whether or not the plan reads it.
        var rows = gathered?.Complete(epoch);
        if (gathered is not null && gathered.Recorded(epoch)) phases.Add("gather", gathered.Seconds);
        var massUnits = GathersMass ? gathered?.MassUnits(epoch, grid) : null;
        if (massUnits is not null) phases.Add("mass", gathered!.MassSeconds);
        float[]? embeddings = null;
        float[] Embeddings()
        {
            if (embeddings is not null) return embeddings;
            phases.Lap("plan");
            embeddings = SubspaceIndicators.InBox(rows ?? TrainingEmbeddings(model, train));
            phases.Lap("embed");
            return embeddings;
        }
        var (next, added, indicators, removed) = Plan(model, train, Embeddings, massUnits, phases);
        if (added.Count == 0 && removed.Count == 0) return null;
        var sources = GridRemap.PointSources(grid, next);
        phases.Lap("remap");
        var old = model.ChangeGrid(next, sources);
        phases.Lap("layer");
        optimizer.ReplaceParameter(old, model.Layer.Coefficients, sources);
        phases.Lap("optimizer");
        foreach (var snapshot in snapshots)
        {
            if (snapshot is null || !snapshot.TryGetValue(NeuralSparseGrid.CoefficientsKey, out var saved)) continue;
            snapshot[NeuralSparseGrid.CoefficientsKey] = CoefficientRemap.Rows(saved, sources).DetachFromDisposeScope();
            saved.Dispose();
        }
        old.Dispose();
        phases.Lap("snapshots");
        var step = new GridRefinement(epoch, [.. added], [.. removed], next.PointCount, [.. indicators], phases.Total, phases.Seconds);
        Record(step);
        return step;
    }

    /// <summary>
    /// The grid after coarsening and refinement, what was added (with indicators) and removed. The training embeddings
    /// are asked for only when something needs them (once the budget is spent and nothing coarsens, a step costs no
    /// more than listing the candidates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (SparseGrid Next, List<int[]> Added, List<double> Indicators, List<int[]> Removed) Plan(NeuralSparseGrid model, TrainingSplit train,
        Func<float[]> embeddings, long[]? massUnits, StepPhases phases)
    {
        var grid = model.Grid;
        int outputs = model.Layer.Outputs;
        long? maxBytes = model.Config.Grid.MaxBytes;
        double[]? norms = null;
        double[] Norms() => norms ??= SubspaceIndicators.SurplusNorms(model.Layer.Coefficients);
        if (_options.Mode == AdaptMode.Points)
        {
            var plan = PointAdaptation.Plan(model, train, embeddings, massUnits, _options, _removedPoints, phases);
            phases.Lap("plan");
            return plan;
        }

        var removedNumbers = _options.CoarsenTolerance > 0 ? Coarsenable(grid, Norms(), massUnits, embeddings) : [];
        var removed = new List<int[]>(removedNumbers.Count);
        foreach (int s in removedNumbers) removed.Add(grid.SubspaceLevels.Slice(s * grid.Dim, grid.Dim).ToArray());
        var kept = removedNumbers.Count > 0 ? SubspaceRefinement.Shrink(grid, removedNumbers, outputs, maxBytes) : grid;
        // A candidate larger than the budget's room is never chosen, and no candidate's score depends on the others:
        // scoring only those that fit changes nothing but the cost (once the budget is spent, nothing is scored).
        // Subspaces coarsened now or before are never added back.
        long room = _options.MaxPoints is long max ? max - kept.PointCount : long.MaxValue;
        var candidates = Candidates(kept, room, _removed, removed);

        var added = new List<int[]>();
        var chosenIndicators = new List<double>();
        if (candidates.Count > 0)
        {
            var rows = embeddings();
            phases.Lap("plan");
            var currentNorms = Norms();
            // The surplus indicator on a Linear grid needs no candidate grid (the cell deposits read the candidates'
            // level vectors and kept's surpluses); else score on the grid with every candidate added.
            var keptNorms = ReferenceEquals(kept, grid) ? currentNorms : Array.ConvertAll(GridRemap.PointSources(grid, kept), p => currentNorms[p]);
            var scores = (_options.Indicator == RefinementIndicator.Surplus ? SubspaceIndicators.SurplusByDeposits(kept, candidates, keptNorms, rows) : null)
                ?? Score(model, SubspaceRefinement.Grow(kept, candidates, outputs, maxBytes), kept.SubspaceCount, grid, currentNorms, train, rows);
            phases.Lap("indicator");
            long points = kept.PointCount;
            var best = new BestFirstOrder(scores);
            while (best.TryNext(out int c))
            {
                if (added.Count == _options.RefineCount) break;
                if (!(scores[c] > 0)) break;
                long size = SparseGrid.FullSubspaceSize(grid.Type, candidates[c]);
                if (_options.MaxPoints is long budget && points + size > budget) continue;
                added.Add(candidates[c]);
                chosenIndicators.Add(scores[c]);
                points += size;
            }
        }
        var next = added.Count > 0 ? SubspaceRefinement.Grow(kept, added, outputs, maxBytes) : kept;
        phases.Lap("plan");
        return (next, added, chosenIndicators, removed);
    }

    internal static double Largest(double[] values)
    {
        double max = 0;
        foreach (double v in values) max = Math.Max(max, v);
        return max;
    }

    /// <summary>
    /// The admissible forward neighbours of <paramref name="kept"/> (<see cref="SubspaceRefinement.AdmissibleForwardNeighbours"/>)
    /// of at most <paramref name="room"/> points that were coarsened neither at an earlier step
    /// (<paramref name="removedBefore"/>) nor at this one (<paramref name="removedNow"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<int[]> Candidates(SparseGrid kept, long room, HashSet<int[]> removedBefore, List<int[]> removedNow)
    {
        var candidates = new List<int[]>();
        foreach (var l in SubspaceRefinement.AdmissibleForwardNeighbours(kept, maxLevel1D: 30))
            if (SparseGrid.FullSubspaceSize(kept.Type, l) <= room && (removedBefore.Count == 0 || !removedBefore.Contains(l)) && !ContainsLevels(removedNow, l))
                candidates.Add(l);
        return candidates;
    }

    private static bool ContainsLevels(List<int[]> vectors, int[] levels)
    {
        foreach (var v in vectors)
            if (GridRemap.LevelVectorComparer.Equals(v, levels)) return true;
        return false;
    }

    /// <summary>The model's embeddings of the training split (N, d) row-major, in evaluation mode, without gradients.</summary>
    private static float[] TrainingEmbeddings(NeuralSparseGrid model, TrainingSplit train)
    {
        bool training = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using (no_grad()) return Predictor.Embed(model, train.X).to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        finally
        {
            model.train(training);
        }
    }

    // The candidates' scores; norms are the surplus norms of the current grid's points.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] Score(NeuralSparseGrid model, SparseGrid candidateGrid, int firstCandidate, SparseGrid current, double[] norms, TrainingSplit train, float[] embeddings)
    {
        var sources = GridRemap.PointSources(current, candidateGrid);
        if (_options.Indicator == RefinementIndicator.Gradient)
        {
            using var scope = NewDisposeScope();
            var carried = CoefficientRemap.Rows(model.Layer.Coefficients, sources);
            return SubspaceIndicators.Gradient(model, candidateGrid, firstCandidate, carried, train, embeddings);
        }
        var carriedNorms = Array.ConvertAll(sources, p => p >= 0 ? norms[p] : 0);
        return SubspaceIndicators.Surplus(candidateGrid, firstCandidate, carriedNorms, embeddings);
    }

    /// <summary>
    /// Leaf subspaces whose points with a training embedding in their support all have
    /// surplus norms of at most <see cref="AdaptivityOptions.CoarsenTolerance"/> times the grid's largest. A point's
    /// support holds an embedding exactly when its data mass is not zero (<see cref="DataMass"/> rounds every non-zero
    /// basis value up to a unit), as in point refinement: the mass the epoch gathered where there is one, else summed
    /// from the embeddings.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<int> Coarsenable(SparseGrid grid, double[] norms, long[]? massUnits, Func<float[]> embeddings)
    {
        double threshold = _options.CoarsenTolerance * Largest(norms);
        var mass = massUnits ?? SubspaceIndicators.MassUnits(grid, embeddings());
        var result = new List<int>();
        foreach (int s in SubspaceRefinement.Leaves(grid))
        {
            bool small = true;
            for (long p = grid.SubspaceOffsets[s]; p < grid.SubspaceOffsets[s + 1] && small; p++)
                small = mass[p] == 0 || norms[p] <= threshold;
            if (small) result.Add(s);
        }
        return result;
    }

    private void Record(GridRefinement step)
    {
        Steps.Add(step);
        foreach (var l in step.Removed)
            if (_options.Mode == AdaptMode.Points) _removedPoints.Add(GridPoint.FromArray(l));
            else _removed.Add(l);
    }
}
