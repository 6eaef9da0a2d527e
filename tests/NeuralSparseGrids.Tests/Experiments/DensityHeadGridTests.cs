using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Tests.Experiments;

/// <summary>The density head lives on the model's own grid description: anisotropic and any downward-closed subspace set.</summary>
[Collection("Torch")]
public sealed class DensityHeadGridTests
{
    // Two classes in 2-D: class 0 around (0.3, 0.3), class 1 around (0.7, 0.6).
    private static (double[] X, int[] Labels) Blobs(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new double[rows * 2];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = i % 2;
            x[2 * i] = Math.Clamp((labels[i] == 0 ? 0.3 : 0.7) + 0.08 * (random.NextDouble() - 0.5) * 3, 0.01, 0.99);
            x[2 * i + 1] = Math.Clamp((labels[i] == 0 ? 0.3 : 0.6) + 0.08 * (random.NextDouble() - 0.5) * 3, 0.01, 0.99);
        }
        return (x, labels);
    }

    [Fact]
    public void AnAnisotropicModelsHeadUsesItsOwnSubspacesAndNotARegularGrid()
    {
        using var model = NeuralSparseGrid.Create(new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [4] }, Latent = 2, Grid = new GridConfig { Level = 4, Levels = [4, 2] }, Outputs = 2 }, seed: 1);
        var grid = DensityHead.GridFor(model, null);
        Assert.Same(model.Grid, grid);
        Assert.True(grid.PointCount < SparseGrid.Create(2, 4).PointCount);
        // A regular level or another basis on request; another basis keeps the per-dimension levels.
        Assert.Equal(SparseGrid.Create(2, 3).PointCount, DensityHead.GridFor(model, new DensityHeadOptions { Level = 3 }).PointCount);
        var modified = DensityHead.GridFor(model, new DensityHeadOptions { GridType = GridType.ModifiedLinear });
        Assert.Equal(SparseGrid.CreateAnisotropic([4, 2], GridType.ModifiedLinear).PointCount, modified.PointCount);
    }

    [Fact]
    public void ClassBoxesAreTheDefaultAndRoundTripThroughTheHeadsFile()
    {
        var grid = SparseGrid.Create(2, 4, GridType.Linear, outputs: 2);
        var (train, trainLabels) = Blobs(400, 3);
        var (validation, validationLabels) = Blobs(100, 4);
        var head = DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, 2);
        var boxes = head.Classifier.Densities.Boxes;
        Assert.NotNull(boxes);
        Assert.Equal(2, boxes!.Count);
        // Each box encloses its class's embeddings and stays inside the latent box.
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < trainLabels.Length; i++)
                if (trainLabels[i] == c)
                    for (int j = 0; j < 2; j++) Assert.InRange(train[2 * i + j], boxes[c].Lower[j], boxes[c].Lower[j] + boxes[c].Width[j]);
        Assert.All(boxes, b => Assert.True(b.Lower.All(l => l >= 0) && b.Lower.Zip(b.Width).All(p => p.First + p.Second <= 1 + 1e-15)));
        // Outside both boxes only the coarse backgrounds have density, weighted by the held-out share outside the box
        // ((0 + 1) / (50 + 2): every validation row of these blobs lies inside its box).
        Assert.Equal([1 / 52.0, 1 / 52.0], head.Classifier.BackgroundWeights!);
        var far = head.Classifier.ClassDensities([0.5, 0.9]);
        var background = head.Classifier.Background!.Evaluate([0.5, 0.9]);
        Assert.Equal(background[0] / 52, far[0], 12);
        Assert.Equal(background[1] / 52, far[1], 12);
        Assert.Equal(head.Classifier.Priors[0] * far[0] + head.Classifier.Priors[1] * far[1], head.Score([0.5, 0.9]).Mixture[0], 12);
        var global = DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, 2, new DensityHeadOptions { Boxes = NeuralSparseGrids.Regression.DensityBoxRule.Global });
        Assert.Null(global.Classifier.Densities.Boxes);

        string dir = Directory.CreateTempSubdirectory("nsg-density-box").FullName;
        string path = Path.Combine(dir, DensityHead.FileName);
        head.Save(path);
        var loaded = DensityHead.Load(path);
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(boxes[c].Lower, loaded.Classifier.Densities.Boxes![c].Lower);
            Assert.Equal(boxes[c].Width, loaded.Classifier.Densities.Boxes![c].Width);
        }
        Assert.Equal(head.Score(validation).Mixture, loaded.Score(validation).Mixture);
        Assert.Equal(head.Score(validation).Labels, loaded.Score(validation).Labels);
        Assert.Equal(head.Threshold, loaded.Threshold);
        Assert.Equal(head.Classifier.BackgroundWeights, loaded.Classifier.BackgroundWeights);
        // A file whose boxes do not fit the classes and dimension is refused with the reason.
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"boxWidth\": [", "\"boxWidth\": [0.5, "));
        var e = Assert.Throws<InvalidDataException>(() => DensityHead.Load(path));
        Assert.Contains("class boxes", e.Message);
        Directory.Delete(dir, true);
    }

    public static TheoryData<bool> PartialOrNot => [false, true];

    [Theory]
    [MemberData(nameof(PartialOrNot))]
    public void HeadOnADownwardClosedSubspaceSetRoundTripsThroughItsFile(bool spatiallyAdaptive)
    {
        // Not a regular or anisotropic grid: levels (1,1), (2,1), (3,1), (1,2), (2,2), (1,3)... minus (2,2), plus (4,1).
        // Spatially adaptive: (3,1) and (4,1) hold only the points over the left half (x < 1/2), (1,3) only the lower ones.
        int[][] levels = [[1, 1], [2, 1], [1, 2], [3, 1], [1, 3], [4, 1]];
        var grid = spatiallyAdaptive
            ? SparseGrid.FromPointSets(2, GridType.Linear, levels, [null, null, null, [0, 1], [0, 1], [0, 1, 2, 3]], outputs: 2)
            : SparseGrid.FromDownwardClosedSubspaces(2, GridType.Linear, levels, outputs: 2);
        Assert.Equal(spatiallyAdaptive, grid.HasPartialSubspaces);
        var (train, trainLabels) = Blobs(400, 1);
        var (validation, validationLabels) = Blobs(100, 2);
        var head = DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, 2);
        Assert.Same(grid, head.Classifier.Densities.Grid);
        string path = Path.Combine(Directory.CreateTempSubdirectory("nsg-density-grid").FullName, DensityHead.FileName);
        head.Save(path);
        var loaded = DensityHead.Load(path);
        Assert.Equal(grid.SubspaceLevels.ToArray(), loaded.Classifier.Densities.Grid.SubspaceLevels.ToArray());
        Assert.Equal(grid.AllCoordinates(), loaded.Classifier.Densities.Grid.AllCoordinates());
        Assert.Equal(head.Score(validation).Mixture, loaded.Score(validation).Mixture);
        // The blobs are separable: the head classifies the validation rows almost perfectly.
        var labels = head.Score(validation).Labels;
        Assert.True(labels.Zip(validationLabels).Count(p => p.First == p.Second) >= 95);
        Directory.Delete(Path.GetDirectoryName(path)!, true);
    }
}
