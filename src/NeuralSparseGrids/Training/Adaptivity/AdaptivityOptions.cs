namespace NeuralSparseGrids.Training;

/// <summary>What the grid adapts during training.</summary>
public enum AdaptMode
{
    /// <summary>The grid stays as built (default).</summary>
    None,
    /// <summary>Dimension-adaptive: whole subspaces are added (and, with coarsening, removed); the set stays downward closed.</summary>
    Subspaces,
    /// <summary>
    /// Spatially adaptive (SG++ style): single points are refined (their hierarchical children in every dimension
    /// added, with any missing ancestors) and, with coarsening, leaf points removed; subspaces become partial.
    /// Linear, ModifiedLinear and LinearBoundary grids.
    /// </summary>
    Points,
}

/// <summary>How a candidate subspace or point is scored for refinement (see <see cref="SubspaceIndicators"/>, <see cref="PointAdaptation"/>).</summary>
public enum RefinementIndicator
{
    /// <summary>
    /// SG++ surplus refinement weighted by the data. Subspaces: the mean over training embeddings of (basis value of
    /// the candidate's point there) x (largest surplus norm of the candidate's parent points active there). Points:
    /// |alpha_p| (max over outputs) x the mean basis value phi_p over the training embeddings (data mass in the support).
    /// </summary>
    Surplus,
    /// <summary>The norm of the loss gradient on the candidate's (zero) coefficients over the training split (points: on the point's absent children).</summary>
    Gradient,
}

/// <summary>
/// Grid adaptation during training (<see cref="NsgTrainer"/>, every method): every <see cref="RefineEvery"/> epochs
/// the <see cref="RefineCount"/> admissible forward-neighbour subspaces with the largest <see cref="Indicator"/> are
/// added within <see cref="MaxPoints"/>; with <see cref="CoarsenTolerance"/> &gt; 0, leaf subspaces that no training
/// embedding needs are removed first. The defaults are the library's (the CLI reads them from here).
/// </summary>
public sealed record AdaptivityOptions
{
    /// <summary>What adapts (default: nothing).</summary>
    public AdaptMode Mode { get; init; } = AdaptMode.None;

    /// <summary>Adapt after every this many epochs.</summary>
    public int RefineEvery { get; init; } = 10;

    /// <summary>Subspaces added (points mode: points refined) per refinement, at most.</summary>
    public int RefineCount { get; init; } = 2;

    /// <summary>Point budget: a refinement never makes the grid larger than this (null: no budget).</summary>
    public long? MaxPoints { get; init; }

    /// <summary>Refinement indicator.</summary>
    public RefinementIndicator Indicator { get; init; } = RefinementIndicator.Surplus;

    /// <summary>
    /// Coarsening (0: off). A leaf subspace (no forward neighbour present) is removed when every one of its points
    /// whose support holds a training embedding has a surplus norm (max over outputs) of at most this fraction of the
    /// grid's largest surplus norm: its removal changes the model on the training embeddings by at most that much per
    /// point, and anywhere by at most the removed surpluses (hat functions are at most 1). A removed subspace is never
    /// added again in the same run. Points mode: a leaf point (no child present) is removed when no training embedding
    /// lies in its support and its surplus norm is at most this fraction of the largest; it is never added again.
    /// </summary>
    public double CoarsenTolerance { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (RefineEvery < 1) throw new ArgumentException($"Refine-every must be at least 1 epoch (got {RefineEvery}).");
        if (RefineCount < 1) throw new ArgumentException($"Refine-count must be at least 1 (got {RefineCount}).");
        if (MaxPoints is < 1) throw new ArgumentException($"Max-points must be at least 1 (got {MaxPoints}).");
        if (!(CoarsenTolerance >= 0 && CoarsenTolerance < 1)) throw new ArgumentException($"The coarsening tolerance must be in [0, 1) (got {CoarsenTolerance}).");
    }
}

/// <summary>One adaptation step: when, what changed and the grid size after it.</summary>
/// <param name="Epoch">The epoch after which the grid changed.</param>
/// <param name="Added">Subspaces mode: level vectors of the added subspaces; points mode: the refined points (levels then
/// local positions, length 2d; each gained its children and their missing ancestors). Best indicator first.</param>
/// <param name="Removed">Level vectors of the removed (coarsened) subspaces; points mode: the removed points (levels then positions).</param>
/// <param name="PointsAfter">Grid points after the step.</param>
/// <param name="Indicators">The indicator values of <paramref name="Added"/>.</param>
/// <param name="Seconds">Wall time of the step (scoring, rebuilding the layer, carrying optimizer state and snapshots).</param>
/// <param name="Phases">Wall time per phase of the step, adding up to <paramref name="Seconds"/>: <c>embed</c> (the
/// training embeddings), <c>indicator</c> (scoring the candidates), <c>plan</c> (the rest of choosing: coarsening,
/// candidates, the new grid), <c>remap</c> (point correspondence), <c>layer</c> (the new layer with the carried
/// coefficients), <c>optimizer</c> (its state carried), <c>snapshots</c> (the best and last good parameters carried).</param>
public sealed record GridRefinement(int Epoch, int[][] Added, int[][] Removed, long PointsAfter, double[] Indicators, double Seconds = 0,
    IReadOnlyDictionary<string, double>? Phases = null);
