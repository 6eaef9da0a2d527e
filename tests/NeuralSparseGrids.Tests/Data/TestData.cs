namespace NeuralSparseGrids.Tests.Data;

/// <summary>Locations of shared test inputs and throw-away temp directories.</summary>
internal static class TestData
{
    /// <summary>The <c>shared/datasets</c> directory next to the repository (e.g. /work/shared/datasets), or null.</summary>
    public static string? SharedDatasets()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "datasets");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Path of a shared data set file; skips the test visibly when it is absent.</summary>
    public static string RequireShared(params string[] parts)
    {
        string? root = SharedDatasets();
        Skip.If(root is null, "shared/datasets not found above " + AppContext.BaseDirectory + "; shared data set tests skipped");
        string path = Path.Combine([root!, .. parts]);
        Skip.IfNot(File.Exists(path), $"{path} not found; test skipped");
        return path;
    }
}

/// <summary>A fresh temp directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nsg-data-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name, string content)
    {
        string p = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    public string GzipFile(string name, string content)
    {
        string p = System.IO.Path.Combine(Path, name);
        using var fs = System.IO.File.Create(p);
        using var gz = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionLevel.Fastest);
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        gz.Write(bytes);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
