using ScottPlot;

namespace NeuralSparseGrids.Plotting;

/// <summary>Writes rendered figures as PNG files atomically: a temporary file in the same folder, then a rename.</summary>
internal static class PngOutput
{
    /// <summary>Renders <paramref name="plot"/> at width x height pixels and writes it to <paramref name="path"/>.</summary>
    public static void Save(Plot plot, string path, int width, int height)
    {
        CheckPath(path);
        CheckSize(width, height);
        Write(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    /// <summary>Renders <paramref name="plot"/> to PNG bytes.</summary>
    public static byte[] Render(Plot plot, int width, int height)
    {
        CheckSize(width, height);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Writes <paramref name="png"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(string path, byte[] png)
    {
        CheckPath(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, png);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an empty path.</summary>
    public static void CheckPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("The output path is empty.", nameof(path));
    }

    private static void CheckSize(int width, int height)
    {
        if (width < 16 || height < 16 || width > 20000 || height > 20000)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width} x {height} must be within 16..20000 pixels per side.");
    }
}
