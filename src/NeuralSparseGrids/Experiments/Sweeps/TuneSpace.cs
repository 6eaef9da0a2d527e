using System.Globalization;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// The search space of `nsg tune` and of the `nsg-tuned` row, as rules on the data's shape (encoded input width D,
/// rows N, classes K; never per file), centred on `nsg train`'s defaults for that shape (<see cref="FileDataDefaults"/>).
/// Candidate 0 is the defaults themselves (so tuning never selects something worse on validation than not tuning);
/// the others are seeded random draws of
/// <list type="bullet">
/// <item>latent dimension d: the default d0 - 1 .. d0 + 2 (at least 2, at most 8),</item>
/// <item>level n, with d: the finest level whose grid has at most the default's point budget max(64, min(3000, N/2))
/// and one level coarser and one finer (grids of at most twice <see cref="FileDataDefaults.MaxGridPoints"/>),</item>
/// <item>encoder: one or two hidden layers of W0 / 2, W0 or 2 W0 units (W0 the default width),</item>
/// <item>learning rate, log-uniform in [lr0 / 3, 3 lr0] around the default rate lr0,</item>
/// <item>batch: b0 / 2, b0 or 2 b0 (b0 the default batch, at least 8),</item>
/// <item>rescaling (sigmoid, tanh, reserved margin 0.1).</item>
/// </list>
/// Spreading and adaptive grid budgets are not searched: the trainer's defaults for them are kept.
/// </summary>
public static class TuneSpace
{
    /// <summary>The axis holding the candidates.</summary>
    public const string Axis = "candidate";

    /// <summary>Label of the defaults candidate.</summary>
    public const string Defaults = "defaults";

    /// <summary>
    /// The sweep: <paramref name="baseOptions"/> (data, target, split, epochs, ...), <paramref name="budget"/> candidates
    /// (the defaults and budget - 1 random draws with <paramref name="seed"/>) for data of the given shape, each for the
    /// given training seeds.
    /// </summary>
    public static SweepSpec Build(string name, IReadOnlyList<KeyValuePair<string, string?>> baseOptions, DataShape shape, int budget, int seed, IReadOnlyList<int> seeds, string score) =>
        new() { Name = name, Base = baseOptions, Axes = [new SweepAxis(Axis, Candidates(shape, budget, seed))], Seeds = seeds, Score = score };

    /// <summary>
    /// The <paramref name="budget"/> candidates for data of <paramref name="shape"/>: the defaults (no settings), then
    /// budget - 1 random draws with <paramref name="seed"/>, each with the `nsg train` options it sets. `nsg tune` runs
    /// them as a sweep; the `nsg-tuned` method of `nsg compare` trains them in process per split.
    /// </summary>
    public static IReadOnlyList<AxisValue> Candidates(DataShape shape, int budget, int seed)
    {
        if (budget < 1) throw new ArgumentException($"The tuning budget must be at least 1 (got {budget}).");
        shape = shape.Validated();
        var candidates = new List<AxisValue> { new(Defaults, []) };
        if (budget > 1) candidates.AddRange(Space(shape, budget - 1, seed).Draw().Select(c => new AxisValue(c.Describe(), c.Settings)));
        return candidates;
    }

    private static RandomSearch Space(DataShape shape, int draws, int seed)
    {
        var d = FileDataDefaults.For(shape.Inputs, shape.Rows, shape.Classes);
        string inputs = Text(shape.Inputs);
        AxisValue Linked(string label, params (string Key, string Value)[] settings) => new(label, [.. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))]);
        int width = d.HiddenLayers[0];
        int[] widths = [Math.Max(8, width / 2), width, 2 * width];
        string[] encoders = [.. widths.Select(w => Text(w)), .. widths.Select(w => $"{Text(w)},{Text(w)}")];
        int[] batches = [.. new[] { d.BatchSize / 2, d.BatchSize, 2 * d.BatchSize }.Select(b => Math.Max(8, b)).Distinct()];
        return new RandomSearch(draws, seed,
        [
            new RandomDimension("grid", SampleKind.Choice, Choices: [.. Grids(shape.Rows, d.Latent).Select(g => Linked($"d{g.Latent} n{g.Level}", ("latent", Text(g.Latent)), ("level", Text(g.Level))))]),
            new RandomDimension("encoder", SampleKind.Choice, Choices: [.. encoders.Select(h => Linked(h, ("encoder", $"{inputs},{h}")))]),
            new RandomDimension("lr", SampleKind.LogUniform, d.LearningRate / 3, d.LearningRate * 3),
            new RandomDimension("batch", SampleKind.Choice, Choices: [.. batches.Select(b => Linked(Text(b), ("batch", Text(b))))]),
            new RandomDimension("rescale", SampleKind.Choice, Choices: [.. new[] { "sigmoid", "tanh", "margin:0.1" }.Select(r => Linked(r, ("rescale", r)))]),
        ]);
    }

    /// <summary>
    /// The (latent, level) pairs searched for <paramref name="rows"/> rows around the default latent dimension: per
    /// latent dimension the finest level within the default's point budget, one coarser and one finer.
    /// </summary>
    public static IReadOnlyList<(int Latent, int Level)> Grids(int rows, int defaultLatent)
    {
        long budget = Math.Min(FileDataDefaults.MaxGridPoints, Math.Max(FileDataDefaults.MinGridPoints, rows / 2));
        var grids = new List<(int, int)>();
        for (int latent = Math.Max(2, defaultLatent - 1); latent <= Math.Min(8, defaultLatent + 2); latent++)
        {
            int finest = 2;
            while (finest < 8 && Points(latent, finest + 1) <= budget) finest++;
            for (int level = Math.Max(2, finest - 1); level <= finest + 1; level++)
                if (Points(latent, level) <= 2 * FileDataDefaults.MaxGridPoints) grids.Add((latent, level));
        }
        return grids;
    }

    private static long Points(int latent, int level) => NeuralSparseGrids.Grids.GridSize.Points(latent, level, NeuralSparseGrids.Grids.GridType.Linear);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The shape of a data set as the NSG sees it, from which the search space's ranges follow.</summary>
/// <param name="Inputs">Encoded input columns D.</param>
/// <param name="Rows">Rows N of the whole file (training is 70 % of them).</param>
/// <param name="Classes">Classes K (0 for regression).</param>
public sealed record DataShape(int Inputs, int Rows, int Classes)
{
    /// <summary>Checks the shape.</summary>
    public DataShape Validated()
    {
        if (Inputs < 1) throw new ArgumentException($"The data need at least one feature (got {Inputs}).");
        if (Rows < 1) throw new ArgumentException($"The data need at least one row (got {Rows}).");
        return this;
    }
}
