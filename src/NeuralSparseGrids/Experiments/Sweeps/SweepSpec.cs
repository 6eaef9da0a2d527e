namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// A sweep: one base set of `nsg train` options, axes (lists or ranges, crossed as a grid), an optional random search
/// with a budget, and seeds. <see cref="Cells"/> expands it to cells with stable indices: configuration-major (grid
/// points in axis order, the last axis fastest, then the random draws), seeds innermost. Read it with
/// <see cref="SweepSpecReader"/>, write it with <see cref="SweepSpecWriter"/>.
/// </summary>
public sealed record SweepSpec
{
    /// <summary>Name (job names, titles).</summary>
    public required string Name { get; init; }

    /// <summary>`nsg train` options shared by every cell, in order (flag without "--", value; null value: a bare flag).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Base { get; init; } = [];

    /// <summary>Axes crossed as a grid.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>Random search (null: none).</summary>
    public RandomSearch? Random { get; init; }

    /// <summary>Training seeds (`--seed`); every configuration runs once per seed.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1];

    /// <summary>Selection score, e.g. "validation.mse" (lower is better) or "validation.accuracy" (higher); null: by task.</summary>
    public string? Score { get; init; }

    /// <summary>A thesis table this sweep reproduces (null for ordinary sweeps).</summary>
    public SweepTable? Table { get; init; }

    /// <summary>The configurations (grid points, then random draws), each with the settings it adds to <see cref="Base"/>.</summary>
    public IReadOnlyList<SweepConfiguration> Configurations()
    {
        var grid = new List<SweepConfiguration> { new(new Dictionary<string, AxisValue>(), []) };
        foreach (var axis in Axes)
            grid = [.. grid.SelectMany(g => axis.Values.Select(v => g.With(axis.Name, v)))];
        if (Random is null) return grid;
        var draws = Random.Draw();
        return Axes.Count == 0 ? draws : [.. grid.SelectMany(g => draws.Select(d => d.Values.Aggregate(g, (c, kv) => c.With(kv.Key, d.ValueOf(kv.Key)))))];
    }

    /// <summary>Every cell, index i = configuration * seeds + seed position.</summary>
    public IReadOnlyList<SweepCell> Cells()
    {
        var configurations = Configurations();
        var cells = new List<SweepCell>(configurations.Count * Seeds.Count);
        for (int c = 0; c < configurations.Count; c++)
            foreach (int seed in Seeds)
                cells.Add(new SweepCell(cells.Count, c, configurations[c], seed, TrainArguments(configurations[c], seed)));
        return cells;
    }

    /// <summary>The number of cells.</summary>
    public int CellCount => Configurations().Count * Seeds.Count;

    /// <summary>The names of the swept dimensions: axes, then the random search's dimensions.</summary>
    public IReadOnlyList<string> Dimensions => [.. Axes.Select(a => a.Name), .. (Random?.Space.Select(s => s.Name) ?? []).Where(n => Axes.All(a => a.Name != n))];

    // Base options, overridden in place (or appended) by the configuration's settings, then --seed.
    private IReadOnlyList<string> TrainArguments(SweepConfiguration configuration, int seed)
    {
        var options = Base.ToList();
        foreach (var (name, value) in configuration.Settings.Append(new("seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture))))
        {
            int at = options.FindIndex(o => o.Key == name);
            if (at >= 0) options[at] = new(name, value);
            else options.Add(new(name, value));
        }
        var args = new List<string>();
        foreach (var (name, value) in options)
        {
            if (value == "false") continue;
            args.Add("--" + name);
            if (value is not null && value != "true") args.Add(value);
        }
        return args;
    }
}

/// <summary>One value of an axis: a label and the options it sets (one option for plain values, several for linked ones).</summary>
/// <param name="Label">How tables show it.</param>
/// <param name="Settings">Options it sets (flag without "--", value).</param>
/// <param name="Report">Thesis table cells this configuration reports (reproduction sweeps only).</param>
public sealed record AxisValue(string Label, IReadOnlyList<KeyValuePair<string, string?>> Settings, IReadOnlyList<SweepTableCell>? Report = null);

/// <summary>An axis: a name (the option it sets, or any name for linked values) and its values.</summary>
public sealed record SweepAxis(string Name, IReadOnlyList<AxisValue> Values);

/// <summary>A configuration: the label per dimension and the options it sets (in dimension order).</summary>
/// <param name="Values">Dimension name -> value.</param>
/// <param name="Dimensions">Dimension names in order.</param>
public sealed record SweepConfiguration(IReadOnlyDictionary<string, AxisValue> Values, IReadOnlyList<string> Dimensions)
{
    /// <summary>The options set by all dimensions, later dimensions winning.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Settings => [.. Dimensions.SelectMany(d => Values[d].Settings)];

    /// <summary>The label of dimension <paramref name="name"/>.</summary>
    public AxisValue ValueOf(string name) => Values[name];

    /// <summary>A short description: "lr=0.01, method=ls".</summary>
    public string Describe() => string.Join(", ", Dimensions.Select(d => $"{d}={Values[d].Label}"));

    internal SweepConfiguration With(string name, AxisValue value)
    {
        var values = new Dictionary<string, AxisValue>(Values) { [name] = value };
        return new SweepConfiguration(values, Dimensions.Contains(name) ? Dimensions : [.. Dimensions, name]);
    }
}

/// <summary>One cell: a configuration and a seed, with the `nsg train` arguments that run it.</summary>
/// <param name="Index">Stable index (Slurm array task id, Kubernetes completion index).</param>
/// <param name="Configuration">Configuration number.</param>
/// <param name="Values">The configuration.</param>
/// <param name="Seed">Training seed.</param>
/// <param name="Arguments">`nsg train` arguments (without "train", --out, --json).</param>
public sealed record SweepCell(int Index, int Configuration, SweepConfiguration Values, int Seed, IReadOnlyList<string> Arguments);
