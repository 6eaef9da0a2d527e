using System.Text;

namespace NeuralSparseGrids.Data;

/// <summary>Which kind of data set a reader builds from the target column(s).</summary>
public enum TargetKind
{
    /// <summary>ARFF: classification when the target attribute is nominal, regression otherwise.
    /// CSV: regression.</summary>
    Auto,

    /// <summary>Real-valued targets (<see cref="Dataset.Targets"/>).</summary>
    Regression,

    /// <summary>Class labels (<see cref="Dataset.Labels"/>); numeric class values such as -1/1 are mapped to
    /// labels 0..K-1 in increasing numeric order, other values in ordinal string order (ARFF nominal targets keep
    /// their declaration order).</summary>
    Classification,
}

/// <summary>Options of <see cref="ArffReader"/>.</summary>
/// <param name="Target">Name of the target attribute (case-sensitive); <see langword="null"/> for the last attribute.</param>
/// <param name="Kind">Regression or classification; see <see cref="TargetKind"/>.</param>
public sealed record ArffReadOptions(string? Target = null, TargetKind Kind = TargetKind.Auto);

/// <summary>
/// Reads dense ARFF files as written by SG++ (e.g. <c>ripleyGarcke.train.arff</c>, <c>friedman1_10d_2000.arff.gz</c>).
/// </summary>
/// <remarks>
/// <para>Supported: <c>@relation</c> (optional), <c>@attribute NAME numeric|real|integer</c> and
/// <c>@attribute NAME {a,b,...}</c> (nominal; only for the target), <c>@data</c> followed by comma-separated rows.
/// Keywords are case-insensitive; names may be quoted with <c>'</c> or <c>"</c>; lines whose first non-blank
/// character is <c>%</c> are comments; blank lines are skipped. Gzip files are decompressed transparently.</para>
/// <para>Rejected with a <see cref="DataFormatException"/> naming file and line: missing values <c>?</c>, NaN or
/// infinite numbers, non-numeric cells in numeric attributes, rows with the wrong number of values, nominal
/// values that were not declared, nominal feature attributes, string/date/relational attributes and the sparse
/// <c>{index value, ...}</c> row format.</para>
/// </remarks>
public static class ArffReader
{
    private sealed record Attribute(string Name, string[]? Nominal, int Line);

    /// <summary>Reads an ARFF file (plain or gzip).</summary>
    /// <param name="path">File path; gzip is detected by magic bytes.</param>
    /// <param name="options">Target attribute and kind; <see langword="null"/> for the last attribute and <see cref="TargetKind.Auto"/>.</param>
    /// <returns>A data set with features <c>(rows, attributes - 1)</c> in attribute order, and targets <c>(rows, 1)</c> or labels.</returns>
    /// <exception cref="DataFormatException">The file is not valid ARFF of the supported kind.</exception>
    public static Dataset Read(string path, ArffReadOptions? options = null)
    {
        options ??= new ArffReadOptions();
        using var reader = DataFile.OpenText(path);
        int lineNo = 0;
        var attributes = ReadHeader(path, reader, ref lineNo);

        int target = attributes.Count - 1;
        if (options.Target is not null)
        {
            target = attributes.FindIndex(a => a.Name == options.Target);
            if (target < 0)
                throw new DataFormatException(path, null, $"target attribute '{options.Target}' not found; attributes are: {string.Join(", ", attributes.Select(a => a.Name))}");
        }
        var targetAttr = attributes[target];
        foreach (var a in attributes)
        {
            if (a.Nominal is not null && a != targetAttr)
                throw new DataFormatException(path, a.Line, $"nominal attribute '{a.Name}' is only supported as the target (target is '{targetAttr.Name}')");
        }
        bool classification = options.Kind switch
        {
            TargetKind.Auto => targetAttr.Nominal is not null,
            TargetKind.Classification => true,
            TargetKind.Regression => targetAttr.Nominal is null
                ? false
                : throw new DataFormatException(path, targetAttr.Line, $"target '{targetAttr.Name}' is nominal but regression was requested"),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };

        int width = attributes.Count, columns = width - 1;
        var features = new List<double>();
        var targetValues = new List<double>();
        var classTokens = new List<string>();
        var nominalIndex = targetAttr.Nominal?.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
        var cells = new List<string>(width);
        int rows = 0;
        while (NextDataRow(path, reader, ref lineNo, width, cells))
        {
            for (int j = 0; j < width; j++)
            {
                string cell = cells[j];
                var attr = attributes[j];
                if (j == target && nominalIndex is not null)
                {
                    string v = Unquote(cell);
                    if (!nominalIndex.TryGetValue(v, out int label))
                        throw new DataFormatException(path, lineNo, $"attribute '{attr.Name}': expected one of {{{string.Join(",", attr.Nominal!)}}}, {DataFile.WhyNotNumber(v)}");
                    targetValues.Add(label);
                    continue;
                }
                if (!DataFile.TryParseFinite(cell, out double x))
                    throw new DataFormatException(path, lineNo, $"attribute '{attr.Name}': expected a finite number, {DataFile.WhyNotNumber(cell)}");
                if (j == target)
                {
                    targetValues.Add(x);
                    classTokens.Add(cell);
                }
                else
                {
                    features.Add(x);
                }
            }
            rows++;
        }

        var featureNames = attributes.Where((_, j) => j != target).Select(a => a.Name).ToArray();
        var featureArray = features.ToArray();
        if (!classification)
        {
            var y = new double[rows, 1];
            for (int i = 0; i < rows; i++) y[i, 0] = targetValues[i];
            return Dataset.ForRegression(featureArray, rows, columns, y, featureNames, [targetAttr.Name]);
        }
        if (targetAttr.Nominal is not null)
        {
            var labels = targetValues.Select(v => (int)v).ToArray();
            return Dataset.ForClassification(featureArray, rows, columns, labels, targetAttr.Nominal, featureNames, targetAttr.Name);
        }
        if (rows == 0) throw new DataFormatException(path, lineNo, "classification needs at least one data row");
        var (mapped, names) = DataFile.MapClasses(classTokens);
        return Dataset.ForClassification(featureArray, rows, columns, mapped, names, featureNames, targetAttr.Name);
    }

    /// <summary>
    /// Reads an ARFF file (plain or gzip) as it comes, see <see cref="RawTable"/>: nominal attributes (features too)
    /// keep their declared values in <see cref="RawTable.Nominal"/>; <c>?</c> is a missing value.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not dense ARFF.</exception>
    public static RawTable ReadRaw(string path)
    {
        using var reader = DataFile.OpenText(path);
        int lineNo = 0;
        var attributes = ReadHeader(path, reader, ref lineNo);
        int width = attributes.Count;
        var rows = new List<string?[]>();
        var lines = new List<int>();
        var quoted = new bool[width];
        var cells = new List<string>(width);
        while (NextDataRow(path, reader, ref lineNo, width, cells))
        {
            var row = new string?[width];
            for (int j = 0; j < width; j++)
            {
                string v = Unquote(cells[j]);
                if (v.Length != cells[j].Length) quoted[j] = true;
                row[j] = v == "?" && v.Length == cells[j].Length ? null : v;
                if (row[j] is string value && attributes[j].Nominal is string[] declared && !declared.Contains(value))
                    throw new DataFormatException(path, lineNo, $"attribute '{attributes[j].Name}': expected one of {{{string.Join(",", declared)}}}, found '{DataFile.Shorten(value)}'");
            }
            rows.Add(row);
            lines.Add(lineNo);
        }
        return new RawTable(path, attributes.Select(a => a.Name).ToArray(), true, rows.ToArray(), quoted,
            attributes.Select(a => a.Nominal).ToArray(), lines.ToArray());
    }

    // Reads the next dense data row into `cells` (false at the end of the file), skipping blank lines and comments.
    private static bool NextDataRow(string path, TextReader reader, ref int lineNo, int width, List<string> cells)
    {
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            string t = line.Trim();
            if (t.Length == 0 || t[0] == '%') continue;
            if (t[0] == '{') throw new DataFormatException(path, lineNo, "sparse ARFF rows ({index value, ...}) are not supported; expected a dense comma-separated row");
            if (t[0] == '@') throw new DataFormatException(path, lineNo, $"unexpected header line after @data: '{DataFile.Shorten(t)}'");
            SplitRow(t, cells);
            if (cells.Count != width)
                throw new DataFormatException(path, lineNo, $"expected {width} comma-separated values (one per @attribute), found {cells.Count}");
            return true;
        }
        return false;
    }

    // The @relation/@attribute header up to and including @data; at least two distinct attributes.
    private static List<Attribute> ReadHeader(string path, TextReader reader, ref int lineNo)
    {
        var attributes = new List<Attribute>();
        string? line;
        bool inData = false;
        while (!inData && (line = reader.ReadLine()) is not null)
        {
            lineNo++;
            string t = line.Trim();
            if (t.Length == 0 || t[0] == '%') continue;
            if (t[0] != '@')
                throw new DataFormatException(path, lineNo, $"expected @relation, @attribute or @data in the header, found '{DataFile.Shorten(t)}'");
            string keyword = t.Split((char[]?)null, 2)[0].ToLowerInvariant();
            switch (keyword)
            {
                case "@relation":
                    break;
                case "@attribute":
                    attributes.Add(ParseAttribute(path, lineNo, t["@attribute".Length..].Trim()));
                    break;
                case "@data":
                    inData = true;
                    break;
                default:
                    throw new DataFormatException(path, lineNo, $"unknown header keyword '{keyword}', expected @relation, @attribute or @data");
            }
        }
        if (!inData) throw new DataFormatException(path, lineNo, "reached the end of the file without an @data line");
        if (attributes.Count < 2)
            throw new DataFormatException(path, lineNo, $"expected at least two @attribute lines (features and a target), found {attributes.Count}");
        var dup = attributes.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
            throw new DataFormatException(path, dup.Last().Line, $"attribute '{dup.Key}' is declared twice");
        return attributes;
    }

    private static Attribute ParseAttribute(string path, int lineNo, string rest)
    {
        if (rest.Length == 0) throw new DataFormatException(path, lineNo, "expected '@attribute NAME TYPE', found no name");
        string name;
        string type;
        if (rest[0] is '\'' or '"')
        {
            int close = rest.IndexOf(rest[0], 1);
            if (close < 0) throw new DataFormatException(path, lineNo, $"unterminated quoted attribute name: {DataFile.Shorten(rest)}");
            name = rest[1..close];
            type = rest[(close + 1)..].Trim();
        }
        else
        {
            int ws = rest.IndexOfAny([' ', '\t', '{']);
            if (ws < 0) throw new DataFormatException(path, lineNo, $"expected '@attribute NAME TYPE', found no type after '{rest}'");
            name = rest[..ws];
            type = rest[ws..].Trim();
        }
        if (type.Length == 0) throw new DataFormatException(path, lineNo, $"attribute '{name}': expected a type (numeric, real, integer or {{a,b,...}})");
        if (type[0] == '{')
        {
            int close = type.LastIndexOf('}');
            if (close < 0) throw new DataFormatException(path, lineNo, $"attribute '{name}': nominal value list is missing its closing '}}'");
            var values = new List<string>();
            SplitRow(type[1..close], values);
            var names = values.Select(Unquote).ToArray();
            if (names.Length == 0 || names.Any(v => v.Length == 0))
                throw new DataFormatException(path, lineNo, $"attribute '{name}': expected a non-empty list of nominal values");
            if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
                throw new DataFormatException(path, lineNo, $"attribute '{name}': nominal values are not distinct");
            return new Attribute(name, names, lineNo);
        }
        string kind = type.Split((char[]?)null, 2)[0].ToLowerInvariant();
        if (kind is "numeric" or "real" or "integer") return new Attribute(name, null, lineNo);
        throw new DataFormatException(path, lineNo, $"attribute '{name}': expected type numeric, real, integer or {{a,b,...}}, found '{DataFile.Shorten(type)}'");
    }

    /// <summary>Splits a comma-separated row, honouring single and double quotes; cells are trimmed.</summary>
    private static void SplitRow(string row, List<string> cells)
    {
        cells.Clear();
        var sb = new StringBuilder();
        char quote = '\0';
        foreach (char c in row)
        {
            if (quote != '\0')
            {
                sb.Append(c);
                if (c == quote) quote = '\0';
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                sb.Append(c);
            }
            else if (c == ',')
            {
                cells.Add(sb.ToString().Trim());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        cells.Add(sb.ToString().Trim());
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && (s[0] is '\'' or '"') && s[^1] == s[0] ? s[1..^1] : s;
}
