using System.Text.RegularExpressions;

namespace NeuralSparseGrids.Tests.Architecture;

/// <summary>
/// The direction the library's folders may depend on each other (README "Repository layout"): a file in folder F may
/// name namespace NeuralSparseGrids.G (by <c>using</c> or fully qualified) only when G's rank is below F's. Folders of
/// equal rank are peers and must not use each other (Training and Analysis meet only in Experiments).
/// </summary>
internal static partial class FolderLayering
{
    /// <summary>Rank of each top-level namespace under NeuralSparseGrids, bottom first.</summary>
    public static readonly IReadOnlyDictionary<string, int> Ranks = new Dictionary<string, int>
    {
        ["IO"] = 0, ["Native"] = 0, ["Data"] = 0, ["Numerics"] = 0,
        ["Grids"] = 1, ["LinearAlgebra"] = 1,
        ["Layers"] = 2, ["Regression"] = 2,
        ["Models"] = 3,
        ["Training"] = 4, ["Analysis"] = 4,
        ["Plotting"] = 5,
        ["Experiments"] = 6,
        ["Reproduction"] = 7,
        ["Cli"] = 8, ["ML"] = 8, ["Onnx"] = 8,
    };

    /// <summary>One reference that reaches up (or sideways to a peer).</summary>
    public sealed record Violation(string File, int Line, string Folder, string Target, string Text)
    {
        public override string ToString() => $"{File}:{Line}: {Folder} (rank {Ranks[Folder]}) uses NeuralSparseGrids.{Target} (rank {Ranks[Target]}): {Text.Trim()}";
    }

    /// <summary>The violations in the source text of a file of <paramref name="folder"/>.</summary>
    public static IEnumerable<Violation> Check(string file, string folder, string source)
    {
        if (!Ranks.TryGetValue(folder, out int own)) throw new ArgumentException($"{file}: folder '{folder}' has no rank in the layering; add it to {nameof(Ranks)}.");
        var lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string code = StripComment(lines[i]);
            if (code.TrimStart().StartsWith("namespace ", StringComparison.Ordinal)) continue;
            foreach (Match m in Reference().Matches(code))
            {
                string target = m.Groups[1].Value;
                if (target == folder || !Ranks.TryGetValue(target, out int rank)) continue;
                if (rank >= own) yield return new Violation(file, i + 1, folder, target, lines[i]);
            }
        }
    }

    /// <summary>Checks every .cs file under src/NeuralSparseGrids (folder = first directory below it).</summary>
    public static List<Violation> CheckLibrary(string repositoryRoot)
    {
        string library = Path.Combine(repositoryRoot, "src", "NeuralSparseGrids");
        var result = new List<Violation>();
        foreach (string path in Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(library, path);
            string[] parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length < 2 || parts[0] is "bin" or "obj") continue;
            result.AddRange(Check(Path.Combine("src", "NeuralSparseGrids", relative), parts[0], File.ReadAllText(path)));
        }
        return result;
    }

    /// <summary>The directory holding NeuralSparseGrids.sln, found upwards from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NeuralSparseGrids.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("NeuralSparseGrids.sln not found above " + AppContext.BaseDirectory);
    }

    private static string StripComment(string line)
    {
        int c = line.IndexOf("//", StringComparison.Ordinal);
        return c < 0 ? line : line[..c];
    }

    [GeneratedRegex(@"\bNeuralSparseGrids\.([A-Z][A-Za-z0-9]*)\b")]
    private static partial Regex Reference();
}
