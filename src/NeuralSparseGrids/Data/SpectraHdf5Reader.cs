using PureHDF;

namespace NeuralSparseGrids.Data;

/// <summary>
/// Reads spectra from HDF5 (thesis 3.3.3, the SDSS/SEGUE data come as arrays): a 2-D dataset of spectra
/// (rows, wavelengths) and one 1-D dataset per target, each of length rows.
/// </summary>
public static class SpectraHdf5Reader
{
    /// <summary>Reads <paramref name="path"/>; features are the spectra, l2-normalised per row (Eq. 3.21) unless disabled.</summary>
    /// <param name="path">HDF5 file.</param>
    /// <param name="targets">Names (paths) of the 1-D target datasets, e.g. Teff, logg, FeH.</param>
    /// <param name="spectraDataset">Name (path) of the 2-D spectra dataset.</param>
    /// <param name="l2Normalize">Divide each spectrum by its l2 norm.</param>
    /// <exception cref="DataFormatException">A dataset is missing, has the wrong rank or length, or holds NaN/Inf.</exception>
    public static Dataset Read(string path, IReadOnlyList<string> targets, string spectraDataset = "spectra", bool l2Normalize = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"HDF5 file '{path}' does not exist.", path);
        if (targets.Count == 0) throw new ArgumentException("Name at least one target dataset.", nameof(targets));
        using var file = H5File.OpenRead(path);
        double[,] spectra = ReadDataset<double[,]>(file, path, spectraDataset, "a 2-D numeric dataset of spectra (rows, wavelengths)");
        int rows = spectra.GetLength(0), columns = spectra.GetLength(1);
        var features = new double[rows * columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double v = spectra[r, c];
                if (!double.IsFinite(v)) throw new DataFormatException(path, null, $"dataset '{spectraDataset}', spectrum {r}, wavelength {c}: expected a finite number, found {v}");
                features[r * columns + c] = v;
            }
        var y = new double[rows, targets.Count];
        for (int k = 0; k < targets.Count; k++)
        {
            double[] values = ReadDataset<double[]>(file, path, targets[k], $"a 1-D numeric dataset of {rows} target values");
            if (values.Length != rows)
                throw new DataFormatException(path, null, $"target dataset '{targets[k]}' has {values.Length} values but '{spectraDataset}' has {rows} spectra");
            for (int r = 0; r < rows; r++)
            {
                if (!double.IsFinite(values[r])) throw new DataFormatException(path, null, $"target dataset '{targets[k]}', row {r}: expected a finite number, found {values[r]}");
                y[r, k] = values[r];
            }
        }
        if (l2Normalize)
        {
            int zero = SpectraReader.L2NormalizeRows(features, rows, columns);
            if (zero >= 0) throw new DataFormatException(path, null, $"dataset '{spectraDataset}', spectrum {zero} is all zeros and cannot be l2-normalised");
        }
        var names = Enumerable.Range(0, columns).Select(c => $"w{c}").ToArray();
        return Dataset.ForRegression(features, rows, columns, y, names, targets.ToArray());
    }

    private static T ReadDataset<T>(IH5Group file, string path, string name, string expected)
    {
        try
        {
            return file.Dataset(name).Read<T>();
        }
        catch (Exception e) when (e is not DataFormatException)
        {
            throw new DataFormatException(path, null, $"expected {expected} named '{name}': {e.Message}");
        }
    }
}
