using System.Text;

namespace NeuralSparseGrids.Data;

/// <summary>Options of <see cref="CsvReader"/>.</summary>
/// <param name="Targets">Names of the target columns (as in the header); <see langword="null"/> or empty for the last column.</param>
/// <param name="Kind">Regression (default for <see cref="TargetKind.Auto"/>) or classification (exactly one
/// target column; numeric values are mapped to labels in increasing order, other values in ordinal order).</param>
/// <param name="Separator">Field separator; <see langword="null"/> to detect it from the header line (the most
/// frequent of comma, semicolon and tab outside quotes).</param>
/// <param name="IgnoreColumns">Columns to drop (e.g. an id column); neither feature nor target.</param>
public sealed record CsvReadOptions(IReadOnlyList<string>? Targets = null, TargetKind Kind = TargetKind.Auto,
    char? Separator = null, IReadOnlyList<string>? IgnoreColumns = null);

/// <summary>
/// Reads numeric CSV files with a header row (plain or gzip).
/// </summary>
/// <remarks>
/// <para>The first non-blank line is the header with one distinct name per column. Each further non-blank line
/// is a row with exactly as many fields as the header. Fields may be quoted with <c>"</c> (a doubled <c>""</c>
/// inside quotes is a literal quote); quoted fields must not span lines. Fields are trimmed. Numbers use the
/// invariant culture (decimal point <c>.</c>).</para>
/// <para>Every feature cell (and every target cell for regression) must be a finite number; empty cells,
/// <c>?</c>, NaN and infinities are rejected with a <see cref="DataFormatException"/> that names the file, the
/// 1-based line and the column.</para>
/// </remarks>
public static class CsvReader
{
    /// <summary>Reads a CSV file.</summary>
    /// <param name="path">File path; gzip is detected by magic bytes.</param>
    /// <param name="options">Targets, kind, separator and ignored columns; <see langword="null"/> for defaults.</param>
    /// <returns>Features <c>(rows, columns)</c> in header order (targets and ignored columns removed), with
    /// targets <c>(rows, targets)</c> or labels.</returns>
    /// <exception cref="DataFormatException">The file does not have the expected format.</exception>
    public static Dataset Read(string path, CsvReadOptions? options = null) => ReadWithLines(path, options).Data;

    /// <summary>
    /// Reads a CSV file of features only (no target column), e.g. the input of `nsg predict`:
    /// every column must be numeric. Returns the header names and the values <c>(rows, columns)</c> row-major.
    /// </summary>
    /// <exception cref="DataFormatException">The file does not have the expected format.</exception>
    public static (string[] Names, double[] Values, int Rows) ReadFeatures(string path, char? separator = null)
    {
        var (data, _) = ReadWithLines(path, new CsvReadOptions(Separator: separator), featuresOnly: true);
        return (data.FeatureNames, data.Features, data.Rows);
    }

    /// <summary>Reads the file and also returns the 1-based line number of each row (for follow-up errors).</summary>
    internal static (Dataset Data, int[] Lines) ReadWithLines(string path, CsvReadOptions? options, bool featuresOnly = false)
    {
        options ??= new CsvReadOptions();
        using var reader = DataFile.OpenText(path);
        int lineNo = 0;
        string? line;
        string? headerLine = null;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length > 0)
            {
                headerLine = line;
                break;
            }
        }
        if (headerLine is null) throw new DataFormatException(path, null, "the file is empty; expected a header row");
        int headerLineNo = lineNo;
        char sep = options.Separator ?? DetectSeparator(headerLine);
        var header = new List<string>();
        if (!SplitRow(headerLine, sep, header, out string? err))
            throw new DataFormatException(path, headerLineNo, err!);
        for (int j = 0; j < header.Count; j++)
        {
            if (header[j].Length == 0) throw new DataFormatException(path, headerLineNo, $"header column {j + 1} has an empty name");
            int first = header.IndexOf(header[j]);
            if (first != j) throw new DataFormatException(path, headerLineNo, $"header names column '{header[j]}' twice (columns {first + 1} and {j + 1})");
        }
        if (header.Count < (featuresOnly ? 1 : 2))
            throw new DataFormatException(path, headerLineNo, $"expected at least two columns (features and a target) separated by ',', ';' or tab, found {header.Count}: '{DataFile.Shorten(headerLine)}'");

        int ColumnOf(string name, string role) => header.IndexOf(name) is int k && k >= 0
            ? k
            : throw new DataFormatException(path, headerLineNo, $"{role} column '{name}' not found; header columns are: {string.Join(", ", header)}");
        var targetCols = featuresOnly ? [] : options.Targets is { Count: > 0 } ts ? ts.Select(n => ColumnOf(n, "target")).ToArray() : [header.Count - 1];
        var ignored = (options.IgnoreColumns ?? []).Select(n => ColumnOf(n, "ignored")).ToHashSet();
        if (targetCols.Distinct().Count() != targetCols.Length) throw new ArgumentException("A target column is named twice.", nameof(options));
        if (targetCols.Any(ignored.Contains)) throw new ArgumentException("A target column is also in IgnoreColumns.", nameof(options));
        bool classification = options.Kind == TargetKind.Classification;
        if (classification && targetCols.Length != 1)
            throw new ArgumentException("Classification needs exactly one target column.", nameof(options));
        var role = new int[header.Count]; // 0 feature, 1 target, 2 ignored
        foreach (int k in targetCols) role[k] = 1;
        foreach (int k in ignored) role[k] = 2;
        var featureCols = Enumerable.Range(0, header.Count).Where(k => role[k] == 0).ToArray();
        if (featureCols.Length == 0) throw new DataFormatException(path, headerLineNo, "no feature columns are left after removing targets and ignored columns");

        var features = new List<double>();
        var targets = new List<double>();
        var classTokens = new List<string>();
        var lines = new List<int>();
        var cells = new List<string>(header.Count);
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            if (!SplitRow(line, sep, cells, out err)) throw new DataFormatException(path, lineNo, err!);
            if (cells.Count != header.Count)
                throw new DataFormatException(path, lineNo, $"expected {header.Count} fields separated by '{Printable(sep)}' (as in the header on line {headerLineNo}), found {cells.Count}");
            foreach (int k in featureCols)
            {
                if (!DataFile.TryParseFinite(cells[k], out double x))
                    throw new DataFormatException(path, lineNo, $"column '{header[k]}': expected a finite number, {DataFile.WhyNotNumber(cells[k])}");
                features.Add(x);
            }
            foreach (int k in targetCols)
            {
                if (classification)
                {
                    if (cells[k].Length == 0 || cells[k] == "?")
                        throw new DataFormatException(path, lineNo, $"column '{header[k]}': expected a class value, {DataFile.WhyNotNumber(cells[k])}");
                    classTokens.Add(cells[k]);
                }
                else if (DataFile.TryParseFinite(cells[k], out double y))
                {
                    targets.Add(y);
                }
                else
                {
                    throw new DataFormatException(path, lineNo, $"column '{header[k]}': expected a finite number, {DataFile.WhyNotNumber(cells[k])}");
                }
            }
            lines.Add(lineNo);
        }

        int rows = lines.Count, columns = featureCols.Length;
        var featureNames = featureCols.Select(k => header[k]).ToArray();
        var targetNames = targetCols.Select(k => header[k]).ToArray();
        if (classification)
        {
            if (rows == 0) throw new DataFormatException(path, lineNo, "classification needs at least one data row");
            var (labels, names) = DataFile.MapClasses(classTokens);
            return (Dataset.ForClassification(features.ToArray(), rows, columns, labels, names, featureNames, targetNames[0]), lines.ToArray());
        }
        // Features only: a placeholder zero target keeps the Dataset invariants; ReadFeatures drops it.
        if (featuresOnly) return (Dataset.ForRegression(features.ToArray(), rows, columns, new double[rows, 1], featureNames, ["(none)"]), lines.ToArray());
        var t = new double[rows, targetCols.Length];
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < targetCols.Length; k++) t[i, k] = targets[i * targetCols.Length + k];
        return (Dataset.ForRegression(features.ToArray(), rows, columns, t, featureNames, targetNames), lines.ToArray());
    }

    /// <summary>
    /// Reads a CSV file (plain or gzip) as it comes, without interpreting its columns: see <see cref="RawTable"/>.
    /// </summary>
    /// <remarks>
    /// The first line is a header when all its fields are text, or when one of its fields is text in a column whose
    /// other values are numbers; otherwise the file has no header and the columns are named V1..Vn. Unquoted empty
    /// cells, <c>NA</c>, <c>?</c> and <c>NaN</c> (and a quoted empty cell) are missing values.
    /// </remarks>
    /// <exception cref="DataFormatException">Rows with a different number of fields, unterminated quotes, an empty file.</exception>
    public static RawTable ReadRaw(string path, char? separator = null)
    {
        using var reader = DataFile.OpenText(path);
        var rows = new List<string?[]>();
        var quotedRows = new List<bool[]>();
        var lines = new List<int>();
        var cells = new List<string>();
        var quoted = new List<bool>();
        char sep = ',';
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            if (rows.Count == 0) sep = separator ?? DetectSeparator(line);
            if (!SplitRow(line, sep, cells, out string? err, quoted)) throw new DataFormatException(path, lineNo, err!);
            if (rows.Count > 0 && cells.Count != rows[0].Length)
                throw new DataFormatException(path, lineNo, $"expected {rows[0].Length} fields separated by '{Printable(sep)}' (as on line {lines[0]}), found {cells.Count}");
            var row = new string?[cells.Count];
            for (int j = 0; j < row.Length; j++) row[j] = quoted[j] ? (cells[j].Length == 0 ? null : cells[j]) : RawTable.IsMissingToken(cells[j]) ? null : cells[j];
            rows.Add(row);
            quotedRows.Add(quoted.ToArray());
            lines.Add(lineNo);
        }
        if (rows.Count == 0) throw new DataFormatException(path, null, "the file is empty; expected a header row and data rows");
        int columns = rows[0].Length;
        bool header = LooksLikeHeader(rows);
        string[] names;
        if (header)
        {
            names = rows[0].Select(n => n ?? "").ToArray();
            for (int j = 0; j < columns; j++)
            {
                if (names[j].Length == 0) throw new DataFormatException(path, lines[0], $"header column {j + 1} has an empty name");
                int first = Array.IndexOf(names, names[j]);
                if (first != j) throw new DataFormatException(path, lines[0], $"header names column '{names[j]}' twice (columns {first + 1} and {j + 1})");
            }
            rows.RemoveAt(0);
            quotedRows.RemoveAt(0);
            lines.RemoveAt(0);
        }
        else
        {
            names = RawTable.PositionalNames(columns);
        }
        var quotedColumns = new bool[columns];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < columns; j++)
                quotedColumns[j] |= quotedRows[i][j] && rows[i][j] != null;
        return new RawTable(path, names, header, rows.ToArray(), quotedColumns, new string[]?[columns], lines.ToArray());
    }

    // Header: all fields of the first line are text, or some field is text where the rest of its column is numeric.
    private static bool LooksLikeHeader(List<string?[]> rows)
    {
        var first = rows[0];
        bool IsNumber(string? s) => s != null && DataFile.TryParseFinite(s, out _);
        if (first.All(c => !IsNumber(c))) return true;
        if (rows.Count == 1) return false;
        for (int j = 0; j < first.Length; j++)
        {
            if (IsNumber(first[j])) continue;
            bool anyNumber = false, allNumbers = true;
            for (int i = 1; i < rows.Count && allNumbers; i++)
            {
                if (rows[i][j] == null) continue;
                if (IsNumber(rows[i][j])) anyNumber = true;
                else allNumbers = false;
            }
            if (anyNumber && allNumbers) return true;
        }
        return false;
    }

    /// <summary>The most frequent of ',', ';' and tab outside double quotes (comma on ties or when none occurs).</summary>
    internal static char DetectSeparator(string headerLine)
    {
        int comma = 0, semi = 0, tab = 0;
        bool quoted = false;
        foreach (char c in headerLine)
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted)
            {
                if (c == ',') comma++;
                else if (c == ';') semi++;
                else if (c == '\t') tab++;
            }
        }
        if (semi > comma && semi >= tab) return ';';
        if (tab > comma && tab > semi) return '\t';
        return ',';
    }

    private static string Printable(char c) => c == '\t' ? "\\t" : c.ToString();

    private static bool SplitRow(string line, char sep, List<string> cells, out string? error, List<bool>? quoted = null)
    {
        cells.Clear();
        quoted?.Clear();
        error = null;
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            sb.Clear();
            while (i < line.Length && line[i] is ' ' && sep != ' ') i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        error = "unterminated quoted field (quoted fields may not span lines)";
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sb.Append(line[i++]);
                }
                while (i < line.Length && line[i] != sep)
                {
                    if (!char.IsWhiteSpace(line[i]))
                    {
                        error = $"unexpected character '{line[i]}' after a closing quote in field {cells.Count + 1}";
                        return false;
                    }
                    i++;
                }
                cells.Add(sb.ToString());
                quoted?.Add(true);
            }
            else
            {
                int start = i;
                while (i < line.Length && line[i] != sep) i++;
                cells.Add(line[start..i].Trim());
                quoted?.Add(false);
            }
            if (i >= line.Length) return true;
            i++; // skip separator
        }
    }
}
