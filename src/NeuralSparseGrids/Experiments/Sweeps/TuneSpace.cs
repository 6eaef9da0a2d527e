using System.Globalization;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// The search space of `nsg tune`: the NSG's main settings for a data set with <c>inputs</c> features. Candidate 0 is
/// `nsg train`'s defaults (so tuning never selects something worse on validation than not tuning); the others are
/// seeded random draws of
/// <list type="bullet">
/// <item>latent dimension and level together (d/n from 2/4 to 8/3: grids of about 17 to 1,800 points, so no draw is
/// wasted on a grid far too large for the data),</item>
/// <item>encoder hidden widths (one or two layers of 16 to 256 units),</item>
/// <item>learning rate, log-uniform in [3e-4, 3e-2],</item>
/// <item>rescaling (sigmoid, tanh, reserved margin 0.1).</item>
/// </list>
/// Spreading and adaptive grid budgets are not searched: `nsg train` has no options for them yet.
/// </summary>
public static class TuneSpace
{
    /// <summary>The axis holding the candidates.</summary>
    public const string Axis = "candidate";

    /// <summary>Label of the defaults candidate.</summary>
    public const string Defaults = "defaults";

    /// <summary>
    /// The sweep: <paramref name="baseOptions"/> (data, target, split, epochs, ...), <paramref name="budget"/> candidates
    /// (the defaults and budget - 1 random draws with <paramref name="seed"/>), each for the given training seeds.
    /// </summary>
    public static SweepSpec Build(string name, IReadOnlyList<KeyValuePair<string, string?>> baseOptions, int inputs, int budget, int seed, IReadOnlyList<int> seeds, string score) =>
        new() { Name = name, Base = baseOptions, Axes = [new SweepAxis(Axis, Candidates(inputs, budget, seed))], Seeds = seeds, Score = score };

    /// <summary>
    /// The <paramref name="budget"/> candidates for data of <paramref name="inputs"/> encoded columns: the defaults
    /// (no settings), then budget - 1 random draws with <paramref name="seed"/>, each with the `nsg train` options it
    /// sets. `nsg tune` runs them as a sweep; the `nsg-tuned` method of `nsg compare` trains them in process per split.
    /// </summary>
    public static IReadOnlyList<AxisValue> Candidates(int inputs, int budget, int seed)
    {
        if (budget < 1) throw new ArgumentException($"The tuning budget must be at least 1 (got {budget}).");
        if (inputs < 1) throw new ArgumentException($"The data need at least one feature (got {inputs}).");
        string i = inputs.ToString(CultureInfo.InvariantCulture);
        AxisValue Linked(string label, params (string Key, string Value)[] settings) => new(label, [.. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))]);
        var space = new RandomSearch(budget - 1, seed,
        [
            new RandomDimension("grid", SampleKind.Choice, Choices:
            [
                .. new[] { (2, 4), (2, 5), (2, 6), (2, 7), (3, 4), (3, 5), (3, 6), (4, 3), (4, 4), (4, 5), (5, 3), (5, 4), (6, 3), (6, 4), (8, 3) }
                    .Select(p => Linked($"d{p.Item1} n{p.Item2}", ("latent", p.Item1.ToString(CultureInfo.InvariantCulture)), ("level", p.Item2.ToString(CultureInfo.InvariantCulture)))),
            ]),
            new RandomDimension("encoder", SampleKind.Choice, Choices:
            [
                .. new[] { "16,16", "32,32", "64,64", "128,64", "256,128", "64", "128" }.Select(h => Linked(h, ("encoder", $"{i},{h}"))),
            ]),
            new RandomDimension("lr", SampleKind.LogUniform, 3e-4, 3e-2),
            new RandomDimension("rescale", SampleKind.Choice, Choices: [.. new[] { "sigmoid", "tanh", "margin:0.1" }.Select(r => Linked(r, ("rescale", r)))]),
        ]);
        var candidates = new List<AxisValue> { new(Defaults, []) };
        candidates.AddRange(space.Draw().Select(c => new AxisValue(c.Describe(), c.Settings)));
        return candidates;
    }
}
