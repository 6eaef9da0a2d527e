using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments.Comparison;

/// <summary>
/// The adaptive counterpart of an NSG setting (method `nsg-adaptive` of <c>nsg compare</c>): the same model and
/// training, but the grid starts <see cref="LevelsBelow"/> levels below the setting's grid and grows by dimension-adaptive
/// refinement (<see cref="AdaptMode.Subspaces"/>, surplus indicator) within the setting's own grid size as the point
/// budget. A rule on the grid alone, never on the data:
/// <list type="bullet">
/// <item>start: level max(2, n - 2) (per dimension for an anisotropic setting): never level 1, whose single constant
/// basis function gives the encoder no gradient until the first refinement;</item>
/// <item>budget (<c>--max-points</c>): the points of the setting's grid, so the adaptive model never has more coefficients;</item>
/// <item>every <see cref="RefineEvery"/> epochs, K = ceil((S_n - S_start) / <see cref="Refinements"/>) subspaces (at least
/// 1), S the subspace counts: enough to add as many subspaces as the regular grid has more than the start after
/// <see cref="Refinements"/> steps (epoch 20), well inside the early-stopping patience (20-30 epochs), so the budget can
/// be spent before training settles; which subspaces is the indicator's choice.</item>
/// </list>
/// </summary>
public static class AdaptiveNsg
{
    /// <summary>How far below the setting's level the adaptive grid starts.</summary>
    public const int LevelsBelow = 2;

    /// <summary>The lowest starting level: level 1 is a constant, which gives the encoder no gradient.</summary>
    public const int MinStartLevel = 2;

    /// <summary>Epochs between refinements.</summary>
    public const int RefineEvery = 5;

    /// <summary>Refinements over which the subspace count can reach the setting's grid's.</summary>
    public const int Refinements = 4;

    /// <summary>The adaptive model and training settings for the regular (or anisotropic) setting <paramref name="model"/>, <paramref name="training"/>.</summary>
    public static (NsgModelConfig Model, TrainingOptions Training) From(NsgModelConfig model, TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        var grid = model.Grid;
        if (grid.Subspaces is not null) throw new ArgumentException("nsg-adaptive starts from a regular or anisotropic grid setting, not from an adapted subspace set.", nameof(model));
        var full = SparseGrid.CreateForLevels(model.Latent, grid.Level, grid.Levels, grid.Type);
        int startLevel = Math.Min(grid.Level, Math.Max(MinStartLevel, grid.Level - LevelsBelow));
        int[]? startLevels = grid.Levels?.Select(l => Math.Min(l, Math.Max(MinStartLevel, l - LevelsBelow))).ToArray();
        var start = SparseGrid.CreateForLevels(model.Latent, startLevel, startLevels, grid.Type);
        int count = Math.Max(1, (int)Math.Ceiling((full.SubspaceCount - start.SubspaceCount) / (double)Refinements));
        var adaptive = model with { Grid = grid with { Level = startLevel, Levels = startLevels } };
        var adaptivity = training.Adaptivity with
        {
            Mode = AdaptMode.Subspaces, MaxPoints = full.PointCount, RefineEvery = RefineEvery, RefineCount = count,
            Indicator = RefinementIndicator.Surplus,
        };
        return (adaptive, training with { Adaptivity = adaptivity });
    }
}
