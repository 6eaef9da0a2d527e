namespace NeuralSparseGrids.Data;

/// <summary>Options of <see cref="SpectraReader"/>.</summary>
/// <param name="Targets">Names of the target columns, e.g. <c>["FeH"]</c> (thesis: [Fe/H]); at least one.</param>
/// <param name="L2Normalize">Divide each spectrum by its l2 norm (thesis Eq. 3.21). Default true.</param>
/// <param name="IgnoreColumns">Non-spectral columns to drop (ids, other stellar parameters not used as targets).</param>
/// <param name="Separator">Field separator; <see langword="null"/> to detect it (comma, semicolon or tab).</param>
public sealed record SpectraReadOptions(IReadOnlyList<string> Targets, bool L2Normalize = true,
    IReadOnlyList<string>? IgnoreColumns = null, char? Separator = null);

/// <summary>
/// Loads a stellar spectra table (thesis Sec. 3.3.3): a CSV file whose columns are the flux values of each
/// spectrum plus one or more named target columns (e.g. <c>Teff</c>, <c>logg</c>, <c>FeH</c>).
/// </summary>
/// <remarks>
/// Every column that is neither a target nor ignored is a spectral feature, in header order. With
/// <see cref="SpectraReadOptions.L2Normalize"/> each spectrum <c>x</c> is replaced by <c>x / ||x||_2</c>
/// (Eq. 3.21); a spectrum whose norm is zero is rejected with the line it came from. The CSV rules and
/// errors are those of <see cref="CsvReader"/>.
/// </remarks>
public static class SpectraReader
{
    /// <summary>Reads and optionally l2-normalises a spectra CSV file (plain or gzip).</summary>
    /// <param name="path">File path.</param>
    /// <param name="options">Target columns and preprocessing.</param>
    /// <returns>Regression data set: spectra <c>(rows, fluxColumns)</c>, targets <c>(rows, Targets.Count)</c>.</returns>
    /// <exception cref="DataFormatException">The file does not have the expected format, or a spectrum is all zeros.</exception>
    public static Dataset Read(string path, SpectraReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Targets is null || options.Targets.Count == 0)
            throw new ArgumentException("Name at least one target column.", nameof(options));
        var (data, lines) = CsvReader.ReadWithLines(path,
            new CsvReadOptions(options.Targets, TargetKind.Regression, options.Separator, options.IgnoreColumns));
        if (!options.L2Normalize) return data;
        var features = (double[])data.Features.Clone();
        int zero = L2NormalizeRows(features, data.Rows, data.Columns);
        if (zero >= 0) throw new DataFormatException(path, lines[zero], "spectrum has l2 norm 0 and cannot be normalised");
        return data.WithFeatures(features);
    }

    /// <summary>
    /// Divides each row of a row-major matrix <c>(rows, columns)</c> by its l2 norm, in place (Eq. 3.21).
    /// </summary>
    /// <param name="values">Row-major values, length <c>rows * columns</c>.</param>
    /// <param name="rows">Number of rows (spectra).</param>
    /// <param name="columns">Number of columns (flux values per spectrum).</param>
    /// <returns>-1 when every row was normalised; otherwise the index of the first row with norm 0 (that row
    /// and later ones are left unchanged).</returns>
    public static int L2NormalizeRows(double[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        if ((long)rows * columns != values.LongLength) throw new ArgumentException("values length is not rows*columns.", nameof(values));
        for (int i = 0; i < rows; i++)
        {
            var row = values.AsSpan(i * columns, columns);
            double sum = 0;
            foreach (double v in row) sum += v * v;
            double norm = Math.Sqrt(sum);
            if (!(norm > 0)) return i;
            for (int j = 0; j < row.Length; j++) row[j] /= norm;
        }
        return -1;
    }
}
