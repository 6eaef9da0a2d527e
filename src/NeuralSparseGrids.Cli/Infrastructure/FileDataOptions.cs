using System.Globalization;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>
/// Applies <see cref="FileDataDefaults"/> to a command line whose data is a user's CSV/ARFF file: the rule's values
/// become option defaults (as a preset does), so explicit options win. Generated data, MNIST, spectra and runs with a
/// --preset keep their own defaults.
/// </summary>
public static class FileDataOptions
{
    /// <summary>
    /// Parses the experiment options; for a data file, first sets the rule's defaults for the file's shape (encoded
    /// inputs, rows, classes). <paramref name="note"/> says what was applied (null when nothing was).
    /// </summary>
    public static ExperimentSpec Parse(CliArguments args, out string? note)
    {
        var spec = ExperimentOptions.Parse(args);
        note = null;
        if (!Applies(spec, args)) return spec;
        var (inputs, rows, classes) = Shape(spec);
        var d = SetDefaults(args, inputs, rows, classes);
        note = Describe(d, inputs, rows, classes);
        return ExperimentOptions.Parse(args);
    }

    /// <summary>True for a table file (CSV/TSV/ARFF, not spectra) without a preset.</summary>
    public static bool Applies(ExperimentSpec spec, CliArguments args) => args.String("preset") == null && spec.Data.IsTable;

    /// <summary>
    /// Encoded input width, usable rows and classes (0: regression) of the spec's table file, as its first split's
    /// preprocessing (fitted on the training part) encodes it.
    /// </summary>
    public static (int Inputs, int Rows, int Classes) Shape(ExperimentSpec spec)
    {
        var (train, validation, test) = spec.Split;
        var split = TableSplit.Create(spec.Data.LoadTable(spec.DataSeed), spec.Data.TableOptions, train, validation, test, spec.DataSeed);
        return (split.Encoder.Width, split.Indices.Sum(p => p.Length), split.Encoder.Task == DatasetTask.Classification ? split.Encoder.ClassNames.Length : 0);
    }

    /// <summary>Sets the rule's values for data of <paramref name="inputs"/> columns, <paramref name="rows"/> rows and <paramref name="classes"/> classes as defaults.</summary>
    public static FileDataDefaults SetDefaults(CliArguments args, int inputs, int rows, int classes)
    {
        var d = FileDataDefaults.For(inputs, rows, classes);
        var inv = CultureInfo.InvariantCulture;
        args.SetDefault("encoder", string.Join(",", new[] { inputs }.Concat(d.HiddenLayers)));
        args.SetDefault("latent", d.Latent.ToString(inv));
        args.SetDefault("level", d.Level.ToString(inv));
        args.SetDefault("lr", d.LearningRate.ToString("R", inv));
        args.SetDefault("epochs", d.Epochs.ToString(inv));
        args.SetDefault("patience", d.Patience.ToString(inv));
        args.SetDefault("batch", d.BatchSize.ToString(inv));
        args.SetDefault("split", "0.7,0.15,0.15");
        // A dense head (--head dense, compare's `ann`) gets the width rule for its output layer's rate (see
        // EqualParameterHead.OutputLearningRateScale): at the NSG's rate a wide head stalls at chance.
        args.SetDefault("dense-lr-scale", "auto");
        return d;
    }

    /// <summary>One line describing the applied defaults.</summary>
    public static string Describe(FileDataDefaults d, int inputs, int rows, int classes) =>
        $"File-data defaults for {inputs} inputs, {rows} rows{(classes > 0 ? $", {classes} classes" : "")}: encoder {inputs},{string.Join(",", d.HiddenLayers)}, " +
        $"latent {d.Latent}, level {d.Level}, lr {d.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}, batch {d.BatchSize}, " +
        $"up to {d.Epochs} epochs (patience {d.Patience}), split 70/15/15; explicit options win.";
}
