namespace NeuralSparseGrids.Data;

/// <summary>
/// A data file as it comes, before any column is interpreted: one string per cell, missing cells as
/// <see langword="null"/>, with what the file says about each column (quoted values, ARFF nominal values) and the
/// file line of each row, so that later steps (task detection, one-hot encoding, imputation) can decide and name
/// the file, row and column in their errors. Read with <see cref="CsvReader.ReadRaw"/> or <see cref="ArffReader.ReadRaw"/>.
/// </summary>
public sealed class RawTable
{
    /// <summary>Creates a table; <paramref name="cells"/> is row-major, one array of <paramref name="names"/>.Length cells per row.</summary>
    public RawTable(string path, string[] names, bool hasHeader, string?[][] cells, bool[] quoted, string[]?[] nominal, int[] lines)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(cells);
        if (quoted.Length != names.Length || nominal.Length != names.Length) throw new ArgumentException("One quoted flag and one nominal list per column are needed.");
        if (lines.Length != cells.Length) throw new ArgumentException("One line number per row is needed.");
        foreach (var row in cells)
            if (row.Length != names.Length) throw new ArgumentException($"Every row needs {names.Length} cells.");
        Path = path; Names = names; HasHeader = hasHeader; Cells = cells; Quoted = quoted; Nominal = nominal; Lines = lines;
    }

    /// <summary>The file the table was read from (for messages).</summary>
    public string Path { get; }

    /// <summary>Column names: the header's, or <c>V1..Vn</c> (as R names them) when the file has no header.</summary>
    public string[] Names { get; }

    /// <summary>Whether the first line of a CSV file was a header (ARFF: always true, names from @attribute).</summary>
    public bool HasHeader { get; }

    /// <summary>Cells (rows, columns), trimmed and unquoted; <see langword="null"/> for a missing value.</summary>
    public string?[][] Cells { get; }

    /// <summary>Per column: some value was written in quotes (R writes text and factors quoted), i.e. the column is text.</summary>
    public bool[] Quoted { get; }

    /// <summary>Per column: the declared values of an ARFF nominal attribute, else <see langword="null"/>.</summary>
    public string[]?[] Nominal { get; }

    /// <summary>The 1-based file line of each row.</summary>
    public int[] Lines { get; }

    /// <summary>Number of data rows.</summary>
    public int Rows => Cells.Length;

    /// <summary>Number of columns.</summary>
    public int Columns => Names.Length;

    /// <summary>The cell text of <paramref name="row"/> in <paramref name="column"/> (null: missing).</summary>
    public string? this[int row, int column] => Cells[row][column];

    /// <summary>Index of the column named <paramref name="name"/> (ordinal), or -1.</summary>
    public int IndexOf(string name) => Array.IndexOf(Names, name);

    /// <summary>The rows <paramref name="rows"/> (in that order) as a new table.</summary>
    public RawTable SubsetRows(IReadOnlyList<int> rows) =>
        new(Path, Names, HasHeader, rows.Select(r => Cells[r]).ToArray(), Quoted, Nominal, rows.Select(r => Lines[r]).ToArray());

    /// <summary>Whether an unquoted cell text stands for a missing value: empty, <c>NA</c> (R), <c>?</c> (ARFF, UCI) or <c>NaN</c>.</summary>
    public static bool IsMissingToken(string text) =>
        text.Length == 0 || text == "?" || text == "NA" || text.Equals("nan", StringComparison.OrdinalIgnoreCase);

    /// <summary>Default names of the columns of a file without header: V1..Vn.</summary>
    public static string[] PositionalNames(int columns) => Enumerable.Range(1, columns).Select(i => $"V{i}").ToArray();

    /// <summary>Reads a CSV or ARFF file (plain or gzip), chosen by its name (<c>.arff</c>, <c>.arff.gz</c>: ARFF).</summary>
    public static RawTable Read(string path) =>
        path.EndsWith(".arff", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".arff.gz", StringComparison.OrdinalIgnoreCase)
            ? ArffReader.ReadRaw(path)
            : CsvReader.ReadRaw(path);
}
