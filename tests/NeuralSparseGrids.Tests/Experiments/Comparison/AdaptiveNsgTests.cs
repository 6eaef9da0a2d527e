using NeuralSparseGrids.Experiments.Comparison;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Experiments.Comparison;

public sealed class AdaptiveNsgTests
{
    // The rule of nsg-adaptive: start two levels lower but never at the constant level 1, a budget of the setting's own
    // grid points, and enough subspaces per refinement to reach the setting's subspace count in four refinements.
    [Theory]
    [InlineData(3, 5, 3)]
    [InlineData(6, 5, 3)]
    [InlineData(3, 3, 2)]
    [InlineData(4, 2, 2)]
    public void StartsTwoLevelsLowerWithinTheRegularGridsPoints(int latent, int level, int startLevel)
    {
        var model = new NsgModelConfig { Latent = latent, Grid = new GridConfig { Level = level } };
        var (adaptive, training) = AdaptiveNsg.From(model, new TrainingOptions());

        var full = SparseGrid.Create(latent, level);
        var start = SparseGrid.Create(latent, startLevel);
        Assert.Equal(startLevel, adaptive.Grid.Level);
        Assert.Equal(AdaptMode.Subspaces, training.Adaptivity.Mode);
        Assert.Equal(full.PointCount, training.Adaptivity.MaxPoints);
        Assert.Equal(AdaptiveNsg.RefineEvery, training.Adaptivity.RefineEvery);
        int k = training.Adaptivity.RefineCount;
        Assert.True(k >= 1 && start.SubspaceCount + AdaptiveNsg.Refinements * k >= full.SubspaceCount
                    && start.SubspaceCount + AdaptiveNsg.Refinements * (k - 1) < Math.Max(full.SubspaceCount, start.SubspaceCount + 1));
        Assert.Equal(model with { Grid = model.Grid with { Level = startLevel } }, adaptive);
    }
}
