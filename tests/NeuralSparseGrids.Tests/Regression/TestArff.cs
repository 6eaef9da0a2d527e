using System.Globalization;
using System.IO.Compression;

namespace NeuralSparseGrids.Tests.Regression;

/// <summary>Test-only minimal ARFF reading (numeric attributes, last column the target) and shared-data lookup.</summary>
internal static class TestArff
{
    /// <summary>The repository's shared/ folder, found by walking up from the test binaries; null when absent.</summary>
    public static string? SharedDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "datasets"))) return candidate;
        }
        return null;
    }

    /// <summary>Reads x (rows, columns - 1) row-major and the last column as y.</summary>
    public static (double[] x, double[] y, int dim) Read(string path)
    {
        using Stream file = File.OpenRead(path);
        using Stream data = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(data);
        var x = new List<double>();
        var y = new List<double>();
        int attributes = 0;
        bool inData = false;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('%')) continue;
            if (!inData)
            {
                if (line.StartsWith("@attribute", StringComparison.OrdinalIgnoreCase)) attributes++;
                else if (line.StartsWith("@data", StringComparison.OrdinalIgnoreCase)) inData = true;
                continue;
            }
            var parts = line.Split(',');
            if (parts.Length != attributes) throw new InvalidDataException($"{path}: row with {parts.Length} values, expected {attributes}.");
            for (int j = 0; j < parts.Length - 1; j++) x.Add(double.Parse(parts[j], CultureInfo.InvariantCulture));
            y.Add(double.Parse(parts[^1], CultureInfo.InvariantCulture));
        }
        return (x.ToArray(), y.ToArray(), attributes - 1);
    }
}
