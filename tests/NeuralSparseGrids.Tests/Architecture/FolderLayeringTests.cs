namespace NeuralSparseGrids.Tests.Architecture;

public class FolderLayeringTests
{
    [Fact]
    public void NoLibraryFileReachesUpTheFolderOrder()
    {
        var violations = FolderLayering.CheckLibrary(FolderLayering.RepositoryRoot());
        Assert.True(violations.Count == 0, "Folder dependencies must point down the list (README, Repository layout):\n" + string.Join('\n', violations));
    }

    [Fact]
    public void EveryLibraryFolderHasARank()
    {
        string library = Path.Combine(FolderLayering.RepositoryRoot(), "src", "NeuralSparseGrids");
        var folders = Directory.GetDirectories(library).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).ToList();
        Assert.NotEmpty(folders);
        Assert.All(folders, f => Assert.True(FolderLayering.Ranks.ContainsKey(f!), $"Folder {f} has no rank in FolderLayering.Ranks."));
    }

    [Theory]
    [InlineData("Grids", "using NeuralSparseGrids.Layers;", "Layers")]
    [InlineData("Training", "using NeuralSparseGrids.Analysis;", "Analysis")]
    [InlineData("Analysis", "using NeuralSparseGrids.Training;", "Training")]
    [InlineData("IO", "    var x = NeuralSparseGrids.Models.Rescaling.Parse(s);", "Models")]
    [InlineData("Layers", "using static NeuralSparseGrids.Experiments.ExperimentRunner;", "Experiments")]
    public void APlantedUpwardReferenceIsReported(string folder, string line, string target)
    {
        string source = $"using System;\n{line}\n\nnamespace NeuralSparseGrids.{folder};\n";
        var violation = Assert.Single(FolderLayering.Check("Planted.cs", folder, source));
        Assert.Equal(target, violation.Target);
        Assert.Equal(2, violation.Line);
    }

    [Theory]
    [InlineData("Layers", "using NeuralSparseGrids.Grids;")]
    [InlineData("Experiments", "using NeuralSparseGrids.Training;")]
    [InlineData("Grids", "// see NeuralSparseGrids.Layers.FusedKernel for the layer's copy")]
    [InlineData("Training", "namespace NeuralSparseGrids.Training;")]
    public void DownwardReferencesAndCommentsPass(string folder, string line) =>
        Assert.Empty(FolderLayering.Check("Fine.cs", folder, line + "\n"));
}
