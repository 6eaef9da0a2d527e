using System.Globalization;
using System.IO.Compression;

namespace NeuralSparseGrids.Data;

/// <summary>Helpers shared by the readers: gzip-transparent opening and strict number parsing.</summary>
internal static class DataFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading, decompressing gzip transparently when the file starts with the
    /// gzip magic bytes <c>1f 8b</c>. A <c>.gz</c> name without those bytes is an error.
    /// </summary>
    public static Stream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file not found: {path}", path);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            int got = fs.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            fs.Position = 0;
            bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            if (!gzip && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                throw new DataFormatException(path, null, "the name ends in .gz but the file does not start with the gzip magic bytes 1f 8b");
            return gzip ? new GZipStream(fs, CompressionMode.Decompress) : fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Opens a text reader (UTF-8, BOM detected) over <see cref="OpenRead"/>.</summary>
    public static StreamReader OpenText(string path) => new(OpenRead(path), detectEncodingFromByteOrderMarks: true);

    /// <summary>Parses a finite number in invariant culture; false for anything else (including NaN and infinities).</summary>
    public static bool TryParseFinite(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Describes why <paramref name="text"/> is not an acceptable number.</summary>
    public static string WhyNotNumber(string text)
    {
        if (text.Length == 0) return "found an empty cell (missing values are not supported)";
        if (text == "?") return "found '?' (missing values are not supported)";
        string bare = text.TrimStart('+', '-').ToLowerInvariant();
        if ((double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && !double.IsFinite(v))
            || bare is "nan" or "inf" or "infinity")
            return $"found '{text}' (NaN and infinite values are not supported)";
        return $"found '{Shorten(text)}'";
    }

    /// <summary>Cuts long cell contents for error messages.</summary>
    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>
    /// Maps class values to labels 0..K-1: numerically sorted when all values are finite numbers (names are the
    /// shortest round-trip invariant formatting, e.g. "-1" and "1"), otherwise ordinally sorted strings.
    /// </summary>
    public static (int[] Labels, string[] Names) MapClasses(IReadOnlyList<string> values)
    {
        var numeric = new double[values.Count];
        bool allNumeric = true;
        for (int i = 0; i < values.Count && allNumeric; i++) allNumeric = TryParseFinite(values[i], out numeric[i]);
        var labels = new int[values.Count];
        if (allNumeric)
        {
            var distinct = numeric.Distinct().Order().ToArray();
            var index = new Dictionary<double, int>();
            for (int k = 0; k < distinct.Length; k++) index[distinct[k]] = k;
            for (int i = 0; i < labels.Length; i++) labels[i] = index[numeric[i]];
            return (labels, distinct.Select(d => d.ToString("R", CultureInfo.InvariantCulture)).ToArray());
        }
        var names = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < names.Length; k++) map[names[k]] = k;
        for (int i = 0; i < labels.Length; i++) labels[i] = map[values[i]];
        return (labels, names);
    }
}
