using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using PureHDF;

namespace NeuralSparseGrids.Tests.Data;

public sealed class SpectraHdf5ReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-h5").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(double[,] spectra, double[] teff, double[] logg)
    {
        string path = Path.Combine(_dir, "spectra.h5");
        var file = new H5File { ["spectra"] = spectra, ["Teff"] = teff, ["logg"] = logg };
        file.Write(path);
        return path;
    }

    [Fact]
    public void ReadsSpectraAndTargetsWithL2Normalisation()
    {
        var spectra = new double[,] { { 3, 4, 0 }, { 1, 0, 0 }, { 0, 2, 0 } };
        string path = Write(spectra, [5000, 6000, 7000], [4.1, 4.2, 4.3]);
        var data = SpectraHdf5Reader.Read(path, ["Teff", "logg"]);
        Assert.Equal(3, data.Rows);
        Assert.Equal(3, data.Columns);
        Assert.Equal(0.6, data.Feature(0, 0), 12);
        Assert.Equal(0.8, data.Feature(0, 1), 12);
        Assert.Equal(1.0, data.Feature(2, 1), 12);
        Assert.Equal(6000, data.Targets![1, 0]);
        Assert.Equal(4.3, data.Targets![2, 1]);
        Assert.Equal(["Teff", "logg"], data.TargetNames);

        // The CLI data spec routes .h5 files here.
        var viaSpec = new DataSpec { Source = "spectra:" + path, TableOptions = new() { Target = "Teff,logg" } }.Load(seed: 1);
        Assert.Equal(3, viaSpec.Rows);
    }

    [Fact]
    public void MissingOrMismatchedDatasetsAreClearErrors()
    {
        string path = Write(new double[,] { { 1, 2 }, { 3, 4 } }, [1, 2], [1, 2, 3]);
        var missing = Assert.Throws<DataFormatException>(() => SpectraHdf5Reader.Read(path, ["FeH"]));
        Assert.Contains("FeH", missing.Message);
        var length = Assert.Throws<DataFormatException>(() => SpectraHdf5Reader.Read(path, ["logg"]));
        Assert.Contains("3 values", length.Message);
    }
}
