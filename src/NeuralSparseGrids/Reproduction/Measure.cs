namespace NeuralSparseGrids.Reproduction;

/// <summary>What a table cell reports from its runs.</summary>
public enum Measure
{
    /// <summary>Test MSE on the min-max normalised target.</summary>
    TestMse,
    /// <summary>log10 of the normalised test MSE (Figure 3.8).</summary>
    Log10TestMse,
    /// <summary>Test MSE in the target's units (stellar [Fe/H]).</summary>
    TestMseRaw,
    /// <summary>Test MAE in the target's units (stellar [Fe/H]).</summary>
    TestMaeRaw,
    /// <summary>Test accuracy.</summary>
    TestAccuracy,
    /// <summary>Fraction of runs with at least one loss burst (Table 3.11); aggregated as a mean, not a median.</summary>
    BurstRate,
    /// <summary>Grid points G.</summary>
    GridPoints,
    /// <summary>Grid points activated by the training embeddings (Tables 3.13/3.14).</summary>
    ActivatedPoints,
    /// <summary>Activated / total grid points.</summary>
    ActivatedRatio,
    /// <summary>Diameter of the final training embeddings (the "small embeddings" of Sec. 3.5.2).</summary>
    Diameter,
    /// <summary>Diameter of the training embeddings after the first epoch.</summary>
    DiameterEpoch1,
    /// <summary>NSG* (Table 3.15): test MSE (normalised) of a sparse grid fitted on the frozen ANN embeddings.</summary>
    NsgStarMse,
    /// <summary>NSG* test MSE in the target's units.</summary>
    NsgStarMseRaw,
    /// <summary>NSG* test accuracy.</summary>
    NsgStarAccuracy,
    /// <summary>
    /// Test MSE (normalised) of the Bayes-optimal predictor on the same split: the data's irreducible error
    /// (swiss roll only, see <see cref="Experiments.BayesBaseline"/>).
    /// </summary>
    BayesTestMse,
}

/// <summary>Helpers for <see cref="Measure"/>.</summary>
public static class Measures
{
    /// <summary>True for measures that need the NSG* fit after training.</summary>
    public static bool NeedsNsgStar(this Measure m) => m is Measure.NsgStarMse or Measure.NsgStarMseRaw or Measure.NsgStarAccuracy;

    /// <summary>True for measures that need latent statistics.</summary>
    public static bool NeedsLatent(this Measure m) => m is Measure.Diameter or Measure.DiameterEpoch1;

    /// <summary>True for measures aggregated as a mean over seeds (rates) instead of a median.</summary>
    public static bool IsRate(this Measure m) => m == Measure.BurstRate;

    /// <summary>Formats a value of this measure for tables.</summary>
    public static string Format(this Measure m, double? value)
    {
        if (value is not double v) return "—";
        if (double.IsNaN(v)) return "NaN";
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return m switch
        {
            Measure.GridPoints or Measure.ActivatedPoints => v.ToString("0.#", c),
            Measure.TestAccuracy or Measure.NsgStarAccuracy or Measure.ActivatedRatio or Measure.Diameter or Measure.DiameterEpoch1 or Measure.TestMaeRaw => v.ToString("0.0000", c),
            Measure.BurstRate => (100 * v).ToString("0", c) + "%",
            Measure.Log10TestMse => v.ToString("0.00", c),
            _ => v.ToString("G3", c),
        };
    }
}
