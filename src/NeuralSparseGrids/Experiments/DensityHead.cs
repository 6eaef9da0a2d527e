using System.Diagnostics;
using System.Text.Json;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Regression;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Settings of the density head (<see cref="DensityHead"/>).</summary>
public sealed record DensityHeadOptions
{
    /// <summary>Relative lambda of the class densities; null: chosen on the validation split (see <see cref="SparseGridDensity"/>).</summary>
    public double? Lambda { get; init; }

    /// <summary>
    /// How lambda is chosen on the validation split when <see cref="Lambda"/> is null (default
    /// <see cref="LambdaSelection.Accuracy"/>: the head classifies, so one lambda for all classes by validation accuracy).
    /// </summary>
    public LambdaSelection Selection { get; init; } = LambdaSelection.Accuracy;

    /// <summary>Regularisation operator of the class densities (default identity, as SG++).</summary>
    public DensityRegularizer Regularizer { get; init; } = DensityRegularizer.Identity;

    /// <summary>Share of validation inputs whose mixture density falls below the out-of-distribution threshold (default 1 %).</summary>
    public double Quantile { get; init; } = DensityThreshold.DefaultQuantile;

    /// <summary>Grid type of the densities; null: the model's grid type.</summary>
    public GridType? GridType { get; init; }

    /// <summary>Level of a regular grid for the densities; null: the model's own grid (its subspace set, anisotropic included).</summary>
    public int? Level { get; init; }

    /// <summary>Largest grid (points) whose density systems are solved directly (see <see cref="SparseGridDensityOptions.DensePointLimit"/>).</summary>
    public int DensePointLimit { get; init; } = SparseGridDensityOptions.DefaultDensePointLimit;

    /// <summary>
    /// Where each class density's grid lives: <see cref="DensityBoxRule.PerGroup"/> (default), a box around the class's
    /// training embeddings; <see cref="DensityBoxRule.Global"/>, the whole latent box [0, 1]^d (see <see cref="DensityBox"/>).
    /// </summary>
    public DensityBoxRule Boxes { get; init; } = DensityBoxRule.PerGroup;

    /// <summary>Share of a class's embedding range per dimension added to its box on both sides (<see cref="SparseGridDensityOptions.BoxMargin"/>).</summary>
    public double BoxMargin { get; init; } = SparseGridDensityOptions.DefaultBoxMargin;
}

/// <summary>The density head's answer for a batch of embeddings.</summary>
/// <param name="Labels">argmax_c P(c) f_c(h) per row (the fallback label where every class density is zero).</param>
/// <param name="Posteriors">P(c | h), (rows, classes) row-major; NaN rows where every class density is zero.</param>
/// <param name="Mixture">The mixture density sum_c P(c) f_c(h) per row: the out-of-distribution score (higher = more typical).</param>
/// <param name="OutOfDistribution">Per row: mixture below <see cref="DensityHead.Threshold"/>.</param>
/// <param name="MaxClass">max_c P(c) f_c(h) per row: the most likely class's share of the mixture, a second score (higher = more
/// typical) that an embedding between class clusters cannot raise by collecting the tails of several smooth class densities.</param>
public sealed record DensityScores(int[] Labels, double[] Posteriors, double[] Mixture, bool[] OutOfDistribution, double[] MaxClass);

/// <summary>
/// Classification by density estimation on the latent grid (the thesis' future work, its reference [19]): the encoder of
/// a trained NSG is frozen (as NSG* does), one sparse grid density f_c per class is fitted on the training embeddings
/// (<see cref="SparseGridDensityClassifier"/>), and an input is classified by argmax_c P(c) f_c(h). The mixture density
/// of the embedding is an out-of-distribution score; the threshold is the <see cref="DensityHeadOptions.Quantile"/>
/// quantile of the validation mixtures. Stored next to the model as <see cref="FileName"/>.
/// </summary>
public sealed class DensityHead
{
    /// <summary>File of the density head inside a run directory.</summary>
    public const string FileName = "density-head.json";

    private DensityHead(SparseGridDensityClassifier classifier, double threshold, double quantile, double fitSeconds)
    {
        Classifier = classifier; Threshold = threshold; Quantile = quantile; FitSeconds = fitSeconds;
    }

    /// <summary>Class densities and priors.</summary>
    public SparseGridDensityClassifier Classifier { get; }

    /// <summary>Mixture density below which an input is flagged out of distribution.</summary>
    public double Threshold { get; }

    /// <summary>The validation quantile the threshold was chosen at.</summary>
    public double Quantile { get; }

    /// <summary>Seconds the class densities took to fit (0 when loaded).</summary>
    public double FitSeconds { get; }

    /// <summary>Fits the head on <paramref name="model"/>'s frozen embeddings of <paramref name="data"/>'s training split.</summary>
    /// <exception cref="ArgumentException">The model is not a classifier.</exception>
    public static DensityHead Fit(NeuralSparseGrid model, PreparedData data, DensityHeadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        EnsureClassification(model.Config.Task);
        var hTrain = Embed(model, data.Train.X);
        var hValidation = Embed(model, data.Validation.X);
        return Fit(hTrain, Labels(data.Train), hValidation, Labels(data.Validation), GridFor(model, options), model.Config.Outputs, options);
    }

    /// <summary>
    /// The grid of the class densities: the model's own grid (<see cref="NeuralSparseGrid.Grid"/>, whatever its subspace
    /// set) unless <paramref name="options"/> names another level (a regular grid) or grid type (the model's level and
    /// per-dimension levels with that basis).
    /// </summary>
    public static SparseGrid GridFor(NeuralSparseGrid model, DensityHeadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        var own = model.Grid;
        var type = options?.GridType ?? own.Type;
        if (options?.Level is int level) return SparseGrid.Create(own.Dim, level, type, model.Config.Outputs);
        return type == own.Type ? own : SparseGrid.CreateForLevels(own.Dim, model.Config.Grid.Level, model.Config.Grid.Levels, type, model.Config.Outputs);
    }

    /// <summary>Fits the head on embeddings (rows, grid.Dim) in [0, 1]^d with labels in [0, classes), on <paramref name="grid"/>.</summary>
    public static DensityHead Fit(double[] train, int[] trainLabels, double[] validation, int[] validationLabels, SparseGrid grid, int classes,
        DensityHeadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        options ??= new DensityHeadOptions();
        if (validationLabels.Length == 0) throw new ArgumentException("The density head needs validation rows for its out-of-distribution threshold (use a split with a validation share).");
        var clock = Stopwatch.StartNew();
        var classifier = SparseGridDensityClassifier.Fit(grid, train, trainLabels, classes,
            new SparseGridDensityOptions
            {
                Lambda = options.Lambda, Selection = options.Selection, Regularizer = options.Regularizer, DensePointLimit = options.DensePointLimit,
                Boxes = options.Boxes, BoxMargin = options.BoxMargin,
            }, validation, validationLabels);
        double seconds = clock.Elapsed.TotalSeconds;
        var mixture = classifier.Mixture(classifier.ClassDensities(validation));
        return new DensityHead(classifier, DensityThreshold.Quantile(mixture, options.Quantile), options.Quantile, seconds);
    }

    /// <summary>Throws the error for a density head on a regression model.</summary>
    public static void EnsureClassification(NsgTask task)
    {
        if (task != NsgTask.Classification)
            throw new ArgumentException("The density head (--head density) classifies by class densities and needs a classification task; this model does regression.");
    }

    /// <summary>Scores embeddings (rows, dim) row-major; <paramref name="fallback"/>: labels where no class has density (e.g. the softmax head's).</summary>
    public DensityScores Score(double[] embeddings, int[]? fallback = null)
    {
        var densities = Classifier.ClassDensities(embeddings);
        var mixture = Classifier.Mixture(densities);
        int classes = Classifier.Classes;
        var maxClass = new double[mixture.Length];
        for (int i = 0; i < maxClass.Length; i++)
            for (int c = 0; c < classes; c++) maxClass[i] = Math.Max(maxClass[i], Classifier.Priors[c] * densities[i * classes + c]);
        return new DensityScores(Classifier.Predict(densities, fallback), Classifier.Posteriors(densities), mixture, DensityThreshold.Flag(mixture, Threshold), maxClass);
    }

    /// <summary>Embeddings of <paramref name="x"/> by the frozen encoder, (rows, latent) row-major doubles.</summary>
    public static double[] Embed(NeuralSparseGrid model, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        return Predictor.Embed(model, x).to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>Accuracy of the density head (softmax labels as the fallback) on a classification split.</summary>
    public TestMetrics Evaluate(NeuralSparseGrid model, TrainingSplit split)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        model.eval();
        var softmax = Predictor.Forward(model, split.X).argmax(1).data<long>().ToArray().Select(l => (int)l).ToArray();
        var labels = Labels(split);
        var predicted = Score(Embed(model, split.X), softmax).Labels;
        return new TestMetrics { Accuracy = labels.Zip(predicted).Count(p => p.First == p.Second) / (double)Math.Max(1, labels.Length), Count = labels.Length };
    }

    private static int[] Labels(TrainingSplit split) => split.Y.data<long>().ToArray().Select(l => (int)l).ToArray();

    // Subspaces: the grid's level vectors (subspaces, dim) row-major, so any subspace set round-trips (absent in files of
    // regular grids written before it existed); SubspacePoints: a spatially adaptive grid's point sets (GridRemap.PointSets);
    // BoxLower/BoxWidth: the class boxes (classes, dim) row-major, absent for densities on the whole latent box (and in
    // files written before class boxes existed); Background*: with boxes, the background densities on the whole latent
    // box (same grid) and their weights (SparseGridDensityClassifier).
    private sealed record Stored(int Dim, int Level, GridType Type, int Classes, double[] Priors, double[] Lambdas, double[] RawIntegrals,
        double[] Surpluses, double Threshold, double Quantile, int[]? Subspaces = null, int[]?[]? SubspacePoints = null,
        double[]? BoxLower = null, double[]? BoxWidth = null, double[]? BackgroundSurpluses = null, double[]? BackgroundLambdas = null,
        double[]? BackgroundRawIntegrals = null, double[]? BackgroundWeights = null);

    /// <summary>Writes the head as JSON (atomically).</summary>
    public void Save(string path)
    {
        var g = Classifier.Densities.Grid;
        var boxes = Classifier.Densities.Boxes;
        var stored = new Stored(g.Dim, g.Level, g.Type, Classifier.Classes, Classifier.Priors, Classifier.Densities.Lambdas,
            Classifier.Densities.RawIntegrals, Classifier.Densities.Surpluses, Threshold, Quantile, g.SubspaceLevels.ToArray(), GridRemap.PointSets(g),
            boxes?.SelectMany(b => b.Lower).ToArray(), boxes?.SelectMany(b => b.Width).ToArray(), Classifier.Background?.Surpluses,
            Classifier.Background?.Lambdas, Classifier.Background?.RawIntegrals, Classifier.BackgroundWeights);
        IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(stored, IO.JsonSettings.Options));
    }

    /// <summary>Reads a head written by <see cref="Save"/>.</summary>
    public static DensityHead Load(string path)
    {
        var s = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), IO.JsonSettings.Options) ?? throw new InvalidDataException($"{path} is empty.");
        if (s.Subspaces is { } flat && (s.Dim < 1 || flat.Length % s.Dim != 0))
            throw new InvalidDataException($"{path}: {flat.Length} subspace levels are not whole level vectors of dimension {s.Dim}.");
        var grid = s.Subspaces is null
            ? SparseGrid.Create(s.Dim, s.Level, s.Type, s.Classes)
            : s.SubspacePoints is { } points
                ? SparseGrid.FromPointSets(s.Dim, s.Type, s.Subspaces.Chunk(s.Dim), points, s.Classes)
                : SparseGrid.FromSubspaces(s.Dim, s.Type, s.Subspaces.Chunk(s.Dim), s.Classes);
        if (s.Surpluses.Length != grid.PointCount * s.Classes)
            throw new InvalidDataException($"{path}: {s.Surpluses.Length} surpluses, but a {grid} with {s.Classes} classes needs {grid.PointCount * s.Classes}.");
        DensityBox[]? boxes = null;
        if (s.BoxLower is not null || s.BoxWidth is not null)
        {
            if (s.BoxLower?.Length != s.Classes * s.Dim || s.BoxWidth?.Length != s.Classes * s.Dim)
                throw new InvalidDataException($"{path}: the class boxes need {s.Classes} x {s.Dim} lower corners and widths; got {s.BoxLower?.Length ?? 0} and {s.BoxWidth?.Length ?? 0}.");
            try { boxes = s.BoxLower.Chunk(s.Dim).Zip(s.BoxWidth.Chunk(s.Dim), (lower, width) => new DensityBox(lower, width)).ToArray(); }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        }
        try
        {
            var densities = SparseGridDensity.FromSurpluses(grid, s.Surpluses, s.Classes, s.Lambdas, s.RawIntegrals, boxes);
            var background = s.BackgroundSurpluses is null ? null
                : SparseGridDensity.FromSurpluses(grid, s.BackgroundSurpluses, s.Classes, s.BackgroundLambdas ?? [], s.BackgroundRawIntegrals ?? []);
            return new DensityHead(new SparseGridDensityClassifier(densities, s.Priors, background, s.BackgroundWeights), s.Threshold, s.Quantile, 0);
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
