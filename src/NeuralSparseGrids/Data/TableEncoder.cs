using System.Globalization;

namespace NeuralSparseGrids.Data;

/// <summary>Whether an input column holds numbers or categories.</summary>
public enum ColumnKind
{
    /// <summary>Numbers: imputed and scaled, one model input.</summary>
    Numeric,

    /// <summary>Text, quoted values or an ARFF nominal attribute: one-hot encoded, one model input per category.</summary>
    Categorical,
}

/// <summary>One input column of the file as the fitted <see cref="TableEncoder"/> treats it.</summary>
public sealed record TableColumn
{
    /// <summary>Column name in the file.</summary>
    public required string Name { get; init; }

    /// <summary>Numeric or categorical.</summary>
    public ColumnKind Kind { get; init; }

    /// <summary>Categorical: the training split's categories, in one-hot order.</summary>
    public string[] Categories { get; init; } = [];

    /// <summary>Numeric: value put in for a missing cell (training median) under <see cref="MissingValues.ImputeMedian"/>.</summary>
    public double Fill { get; init; }

    /// <summary>Categorical: category put in for a missing cell (training mode) under <see cref="MissingValues.ImputeMedian"/>.</summary>
    public string? FillCategory { get; init; }

    /// <summary>Numeric: the model sees <c>(x - Offset) / Scale</c>.</summary>
    public double Offset { get; init; }

    /// <summary>Numeric: the model sees <c>(x - Offset) / Scale</c>.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Number of model inputs this column becomes.</summary>
    public int Width => Kind == ColumnKind.Numeric ? 1 : Categories.Length;
}

/// <summary>
/// The preprocessing of a table file, fitted on the training split and saved with the model, so that training,
/// evaluation, prediction and baselines see the same inputs: column roles (target, dropped, inputs), the task and
/// class names (the user's labels), one-hot maps of categorical inputs, imputation values and input scaling.
/// </summary>
/// <remarks>
/// <para>Task detection (<see cref="DetectTask"/>, when no task is given): classification when the target is an ARFF
/// nominal attribute, holds text or quoted values, or holds only integers with at most
/// <see cref="TableOptions.MaxIntegerClasses"/> distinct values; regression otherwise.</para>
/// <para>Input columns are categorical when they are ARFF nominal, quoted (R writes factors and text quoted) or
/// mostly text; a mostly numeric unquoted column with a stray word is an error naming the cell. Categories are
/// one-hot encoded in sorted order (numerically when all are numbers).</para>
/// </remarks>
public sealed record TableEncoder
{
    /// <summary>All column names of the training file, in order (for files without header, matched by position).</summary>
    public string[] SourceColumns { get; init; } = [];

    /// <summary>The input columns in file order.</summary>
    public TableColumn[] Inputs { get; init; } = [];

    /// <summary>Target column name.</summary>
    public string Target { get; init; } = "";

    /// <summary>Regression or classification.</summary>
    public DatasetTask Task { get; init; }

    /// <summary>Why this task: "given", or the detection rule that decided it.</summary>
    public string TaskReason { get; init; } = "";

    /// <summary>Classification: the user's class labels, indexed by class.</summary>
    public string[] ClassNames { get; init; } = [];

    /// <summary>Columns that were left out.</summary>
    public string[] Dropped { get; init; } = [];

    /// <summary>Missing-value policy (applied again by evaluate and predict).</summary>
    public MissingValues Missing { get; init; }

    /// <summary>Unknown-category policy.</summary>
    public UnknownCategory UnknownCategory { get; init; }

    /// <summary>Numeric input scaling.</summary>
    public InputScaling Scale { get; init; }

    /// <summary>Number of model inputs (numeric columns plus one per category).</summary>
    public int Width => Inputs.Sum(c => c.Width);

    /// <summary>Names of the model inputs: the column name, or <c>column=category</c> for one-hot inputs.</summary>
    public string[] EncodedNames => Inputs.SelectMany(c => c.Kind == ColumnKind.Numeric ? [c.Name] : c.Categories.Select(k => $"{c.Name}={k}")).ToArray();

    /// <summary>
    /// Detects the task of target column <paramref name="column"/> (see remarks of <see cref="TableEncoder"/>) and
    /// says why. Missing cells are ignored.
    /// </summary>
    public static (DatasetTask Task, string Reason) DetectTask(RawTable table, int column)
    {
        string name = table.Names[column];
        if (table.Nominal[column] != null) return (DatasetTask.Classification, $"target '{name}' is an ARFF nominal attribute");
        if (table.Quoted[column]) return (DatasetTask.Classification, $"target '{name}' holds quoted (text) values");
        var distinct = new HashSet<double>();
        bool integers = true;
        for (int i = 0; i < table.Rows; i++)
        {
            if (table[i, column] is not string s) continue;
            if (!DataFile.TryParseFinite(s, out double v)) return (DatasetTask.Classification, $"target '{name}' holds text such as '{DataFile.Shorten(s)}'");
            integers &= v == Math.Floor(v);
            distinct.Add(v);
        }
        if (integers && distinct.Count <= TableOptions.MaxIntegerClasses)
            return (DatasetTask.Classification, $"target '{name}' holds integer codes with {distinct.Count} distinct values (at most {TableOptions.MaxIntegerClasses} count as classes; --task regression overrides)");
        return (DatasetTask.Regression, $"target '{name}' holds numbers with {distinct.Count} distinct values");
    }

    /// <summary>
    /// Applies the row part of the missing-value policy to the whole file before splitting: an error at the first
    /// missing cell (<see cref="MissingValues.Error"/>), or the table without the rows that cannot be used.
    /// </summary>
    /// <param name="table">The whole file.</param>
    /// <param name="options">Target, dropped columns and the policy.</param>
    /// <param name="notes">Receives a line saying how many rows were left out.</param>
    public static RawTable HandleMissingRows(RawTable table, TableOptions options, ICollection<string>? notes = null)
    {
        var (target, inputs) = Roles(table, options);
        var keep = new List<int>(table.Rows);
        for (int i = 0; i < table.Rows; i++)
        {
            bool targetMissing = table[i, target] == null;
            int missingInput = inputs.FirstOrDefault(j => table[i, j] == null, -1);
            if (!targetMissing && missingInput < 0) { keep.Add(i); continue; }
            if (options.Missing == MissingValues.Error)
                throw MissingCell(table, i, targetMissing ? target : missingInput, targetMissing);
            if (options.Missing == MissingValues.ImputeMedian && !targetMissing) keep.Add(i);
        }
        if (keep.Count == table.Rows) return table;
        notes?.Add($"Left out {table.Rows - keep.Count} of {table.Rows} rows with a missing {(options.Missing == MissingValues.DropRows ? "value" : "target")} (--missing {Spelling(options.Missing)}).");
        return table.SubsetRows(keep);
    }

    /// <summary>The task, class names and per-row labels (classification) or values (regression) of the target.</summary>
    /// <exception cref="DataFormatException">Regression was asked for but the target holds text; a missing target.</exception>
    public static (DatasetTask Task, string Reason, string[] ClassNames, int[]? Labels, double[]? Values) ReadTarget(RawTable table, TableOptions options)
    {
        int column = Roles(table, options).Target;
        var (task, reason) = options.Task is DatasetTask given ? (given, "given with --task") : DetectTask(table, column);
        var cells = new string[table.Rows];
        for (int i = 0; i < table.Rows; i++) cells[i] = table[i, column] ?? throw MissingCell(table, i, column, true);
        if (task == DatasetTask.Classification)
        {
            if (table.Nominal[column] is string[] declared)
            {
                var index = declared.Select((v, k) => (v, k)).ToDictionary(p => p.v, p => p.k, StringComparer.Ordinal);
                return (task, reason, declared, cells.Select(c => index[c]).ToArray(), null);
            }
            var (labels, names) = DataFile.MapClasses(cells);
            return (task, reason, names, labels, null);
        }
        var values = new double[table.Rows];
        for (int i = 0; i < table.Rows; i++)
            if (!DataFile.TryParseFinite(cells[i], out values[i]))
                throw new DataFormatException(table.Path, table.Lines[i], $"column '{table.Names[column]}' (the target): regression needs numbers, found '{DataFile.Shorten(cells[i])}' (leave out --task regression to treat it as class labels)");
        return (task, reason, [], null, values);
    }

    /// <summary>
    /// Fits the encoder: column kinds on the whole table (a column's type), categories, imputation and scaling on
    /// <paramref name="trainRows"/> only. <paramref name="table"/> should have passed <see cref="HandleMissingRows"/>.
    /// </summary>
    public static TableEncoder Fit(RawTable table, IReadOnlyList<int> trainRows, TableOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (trainRows.Count == 0) throw new ArgumentException("The training split is empty.", nameof(trainRows));
        var (target, inputs) = Roles(table, options);
        var (task, reason, classNames, _, _) = ReadTarget(table, options);
        var columns = new TableColumn[inputs.Length];
        for (int c = 0; c < inputs.Length; c++)
        {
            int j = inputs[c];
            var train = trainRows.Select(i => table[i, j]).Where(s => s != null).Select(s => s!).ToList();
            columns[c] = KindOf(table, j) == ColumnKind.Categorical
                ? FitCategorical(table, j, train)
                : FitNumeric(table.Names[j], train.Select(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray(), options.Scale);
        }
        return new TableEncoder
        {
            SourceColumns = table.Names, Inputs = columns, Target = table.Names[target], Task = task, TaskReason = reason, ClassNames = classNames,
            Dropped = options.Drop.ToArray(), Missing = options.Missing, UnknownCategory = options.UnknownCategory, Scale = options.Scale,
        };
    }

    /// <summary>
    /// Encodes <paramref name="table"/> (the training file, or a file for evaluate/predict with the same column
    /// names in any order) into model inputs <c>(rows, Width)</c> and, with <paramref name="withTarget"/>, the
    /// target. Files without header are matched by position (and <paramref name="notes"/> says so).
    /// </summary>
    /// <exception cref="DataFormatException">Missing columns, missing values (unless imputed), unseen categories,
    /// text in numeric columns, unknown class labels.</exception>
    public Dataset Transform(RawTable table, bool withTarget = true, ICollection<string>? notes = null)
    {
        var (inputIdx, targetIdx) = MatchColumns(table, withTarget, notes);
        int rows = table.Rows, width = Width;
        var x = new double[rows * width];
        for (int i = 0; i < rows; i++)
        {
            int o = i * width;
            for (int c = 0; c < Inputs.Length; c++)
            {
                var col = Inputs[c];
                string? s = table[i, inputIdx[c]];
                if (s == null)
                {
                    if (Missing != MissingValues.ImputeMedian) throw MissingCell(table, i, inputIdx[c], false);
                    s = col.Kind == ColumnKind.Numeric ? null : col.FillCategory;
                }
                if (col.Kind == ColumnKind.Numeric)
                {
                    double v = col.Fill;
                    if (s != null && !DataFile.TryParseFinite(s, out v))
                        throw new DataFormatException(table.Path, table.Lines[i], $"column '{col.Name}': expected a number (as in training), {DataFile.WhyNotNumber(s)}");
                    x[o++] = (v - col.Offset) / col.Scale;
                    continue;
                }
                int k = Array.IndexOf(col.Categories, s);
                if (k < 0 && UnknownCategory == UnknownCategory.Error)
                    throw new DataFormatException(table.Path, table.Lines[i],
                        $"column '{col.Name}': category '{DataFile.Shorten(s!)}' was not in the training data (known: {string.Join(", ", col.Categories.Take(20))}); " +
                        "use --unknown-category ignore to encode it as all zeros");
                if (k >= 0) x[o + k] = 1;
                o += col.Width;
            }
        }
        var names = EncodedNames;
        if (targetIdx < 0) return Dataset.ForRegression(x, rows, width, new double[rows, 1], names, ["(none)"]);
        if (Task == DatasetTask.Classification)
        {
            var labels = new int[rows];
            for (int i = 0; i < rows; i++)
            {
                string s = table[i, targetIdx] ?? throw MissingCell(table, i, targetIdx, true);
                labels[i] = ClassIndex(s);
                if (labels[i] < 0)
                    throw new DataFormatException(table.Path, table.Lines[i], $"column '{Target}' (the target): class '{DataFile.Shorten(s)}' is not one of the model's classes ({string.Join(", ", ClassNames.Take(30))})");
            }
            return Dataset.ForClassification(x, rows, width, labels, ClassNames, names, Target);
        }
        var y = new double[rows, 1];
        for (int i = 0; i < rows; i++)
        {
            string s = table[i, targetIdx] ?? throw MissingCell(table, i, targetIdx, true);
            if (!DataFile.TryParseFinite(s, out y[i, 0]))
                throw new DataFormatException(table.Path, table.Lines[i], $"column '{Target}' (the target): expected a number, {DataFile.WhyNotNumber(s)}");
        }
        return Dataset.ForRegression(x, rows, width, y, names, [Target]);
    }

    /// <summary>One line for the console: task and why, inputs and how they are encoded.</summary>
    public string Describe()
    {
        int categorical = Inputs.Count(c => c.Kind == ColumnKind.Categorical);
        string task = Task == DatasetTask.Classification
            ? $"classification ({ClassNames.Length} classes: {string.Join(", ", ClassNames.Take(8))}{(ClassNames.Length > 8 ? ", ..." : "")})"
            : "regression";
        return $"Task {task}: {TaskReason}. Inputs: {Inputs.Length} columns ({categorical} categorical, one-hot) -> {Width} model inputs, " +
               $"scaling {Spelling(Scale)}{(Dropped.Length > 0 ? $"; dropped {string.Join(", ", Dropped)}" : "")}.";
    }

    // Class index of a target cell: by name, or by numeric value when both are numbers ("1" and "1.0").
    private int ClassIndex(string s)
    {
        int k = Array.IndexOf(ClassNames, s);
        if (k >= 0 || !DataFile.TryParseFinite(s, out double v)) return k;
        for (k = 0; k < ClassNames.Length; k++)
            if (DataFile.TryParseFinite(ClassNames[k], out double c) && c == v) return k;
        return -1;
    }

    /// <summary>
    /// Where <see cref="Inputs"/> (in order) and, with <paramref name="withTarget"/>, the target are in
    /// <paramref name="table"/>: by name, or by position for a file without header (see <see cref="Transform"/>);
    /// Target is -1 when not wanted. Used by <see cref="Transform"/> and by readers that feed raw cells to an
    /// exported graph.
    /// </summary>
    /// <exception cref="DataFormatException">Missing columns, or a headerless file of the wrong width.</exception>
    public (int[] Inputs, int Target) MatchColumns(RawTable table, bool withTarget, ICollection<string>? notes = null)
    {
        string[] names = table.Names;
        if (!table.HasHeader)
        {
            if (table.Columns == SourceColumns.Length) names = SourceColumns;
            else if (table.Columns == Inputs.Length) names = Inputs.Select(c => c.Name).ToArray();
            else
                throw new DataFormatException(table.Path, null, $"the file has no header and {table.Columns} columns; matching by position needs the training file's " +
                                                                $"{SourceColumns.Length} columns ({string.Join(", ", SourceColumns)}) or the {Inputs.Length} inputs alone; add a header row to match by name");
            notes?.Add($"{Path.GetFileName(table.Path)} has no header row: columns matched by position as {string.Join(", ", names.Take(12))}{(names.Length > 12 ? ", ..." : "")}.");
        }
        var missing = Inputs.Select(c => c.Name).Where(n => Array.IndexOf(names, n) < 0).ToList();
        if (withTarget && Array.IndexOf(names, Target) < 0) missing.Add(Target + " (the target)");
        if (missing.Count > 0)
            throw new DataFormatException(table.Path, table.HasHeader ? table.Lines.FirstOrDefault(1) - 1 : null,
                $"missing column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}; the model was trained on {string.Join(", ", SourceColumns)}");
        return (Inputs.Select(c => Array.IndexOf(names, c.Name)).ToArray(), withTarget ? Array.IndexOf(names, Target) : -1);
    }

    private static (int Target, int[] Inputs) Roles(RawTable table, TableOptions options)
    {
        int target = options.Target is null ? table.Columns - 1 : table.IndexOf(options.Target);
        if (target < 0)
            throw new DataFormatException(table.Path, null, $"target column '{options.Target}' not found; columns are: {string.Join(", ", table.Names)}" +
                                                            (table.HasHeader ? "" : " (the file has no header row, so columns are named V1..Vn by position)"));
        var dropped = new HashSet<int>();
        foreach (var d in options.Drop)
        {
            int k = table.IndexOf(d);
            if (k < 0) throw new DataFormatException(table.Path, null, $"--drop column '{d}' not found; columns are: {string.Join(", ", table.Names)}");
            if (k == target) throw new DataFormatException(table.Path, null, $"--drop names the target column '{d}'");
            dropped.Add(k);
        }
        var inputs = Enumerable.Range(0, table.Columns).Where(j => j != target && !dropped.Contains(j)).ToArray();
        if (inputs.Length == 0) throw new DataFormatException(table.Path, null, "no input columns are left after the target and the dropped columns");
        return (target, inputs);
    }

    private static ColumnKind KindOf(RawTable table, int j)
    {
        if (table.Nominal[j] != null || table.Quoted[j]) return ColumnKind.Categorical;
        int numbers = 0, words = 0, firstWord = -1;
        for (int i = 0; i < table.Rows; i++)
        {
            if (table[i, j] is not string s) continue;
            if (DataFile.TryParseFinite(s, out _)) numbers++;
            else if (words++ == 0) firstWord = i;
        }
        if (words == 0) return ColumnKind.Numeric;
        // A column of numbers with a few stray words is more likely a typo than a category.
        if (numbers >= 9 * words)
            throw new DataFormatException(table.Path, table.Lines[firstWord],
                $"column '{table.Names[j]}': expected a number like its other {numbers} values, {DataFile.WhyNotNumber(table[firstWord, j]!)} " +
                "(quote the column's values to treat it as categories, or use NA for a missing value)");
        return ColumnKind.Categorical;
    }

    private static TableColumn FitCategorical(RawTable table, int j, List<string> train)
    {
        var categories = table.Nominal[j] ?? train.Distinct(StringComparer.Ordinal).ToArray();
        if (table.Nominal[j] == null)
            categories = categories.All(s => DataFile.TryParseFinite(s, out _))
                ? categories.OrderBy(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray()
                : categories.Order(StringComparer.Ordinal).ToArray();
        string? mode = train.GroupBy(s => s, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault()?.Key;
        return new TableColumn { Name = table.Names[j], Kind = ColumnKind.Categorical, Categories = categories, FillCategory = mode ?? categories.FirstOrDefault() };
    }

    private static TableColumn FitNumeric(string name, double[] train, InputScaling scale)
    {
        Array.Sort(train);
        double median = train.Length == 0 ? 0 : train.Length % 2 == 1 ? train[train.Length / 2] : 0.5 * (train[train.Length / 2 - 1] + train[train.Length / 2]);
        double offset = 0, width = 1;
        if (train.Length > 0 && scale == InputScaling.MinMax)
        {
            offset = train[0];
            width = train[^1] - train[0];
        }
        else if (train.Length > 0 && scale == InputScaling.Standard)
        {
            offset = train.Average();
            width = Math.Sqrt(train.Sum(v => (v - offset) * (v - offset)) / train.Length);
        }
        // A constant training column carries no information; map it to 0 rather than divide by zero.
        if (!(width > 0)) width = 1;
        return new TableColumn { Name = name, Kind = ColumnKind.Numeric, Fill = median, Offset = offset, Scale = width };
    }

    private static DataFormatException MissingCell(RawTable table, int row, int column, bool target) =>
        new(table.Path, table.Lines[row],
            $"column '{table.Names[column]}'{(target ? " (the target)" : "")}: missing value (NA, empty or ?); " +
            (target ? "use --missing drop-rows to leave such rows out" : "use --missing drop-rows to leave such rows out, or --missing impute-median to fill in the training median"));

    /// <summary>CLI spelling of a missing-value policy.</summary>
    public static string Spelling(MissingValues m) => m switch { MissingValues.DropRows => "drop-rows", MissingValues.ImputeMedian => "impute-median", _ => "error" };

    /// <summary>CLI spelling of an input scaling.</summary>
    public static string Spelling(InputScaling s) => s switch { InputScaling.Standard => "standard", InputScaling.None => "none", _ => "minmax" };
}
