using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Regression;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Reads the experiment options shared by `nsg train` and friends into an <see cref="ExperimentSpec"/>.</summary>
public static class ExperimentOptions
{
    /// <summary>Grid type spellings.</summary>
    public static readonly IReadOnlyDictionary<string, GridType> GridTypes = new Dictionary<string, GridType>
    {
        ["linear"] = GridType.Linear,
        ["boundary"] = GridType.LinearBoundary,
        ["extended-boundary"] = GridType.LinearExtendedBoundary,
        ["modified-linear"] = GridType.ModifiedLinear,
    };

    /// <summary>Usage lines for these options.</summary>
    public const string Usage =
        "  --data swissroll|twomoons|mnist|spectra:FILE.csv|FILE.csv|FILE.arff   data source (required)\n" +
        "  --swissroll-t radians|unit   t inside sin(5 pi t): as printed (radians, default) or rescaled to [0,1]\n" +
        "  --count N --noise S          generated data: points (8000) and noise (0.1)\n" +
        "  --target COL                 target column of a file (default: last)\n" +
        "  --task auto|regression|classification   auto (default): classification when the target is text, quoted, an ARFF\n" +
        "                               nominal, or integers with at most 10 distinct values; regression otherwise\n" +
        "  --drop COL[,COL]             leave columns out (IDs)\n" +
        "  --missing error|drop-rows|impute-median   missing values (NA, empty, ?): stop (default), leave the rows out, or\n" +
        "                               fill in the training median (numbers) / most frequent value (categories)\n" +
        "  --unknown-category error|ignore   a category not seen in training: stop (default) or encode as all zeros\n" +
        "  --scale minmax|standard|none numeric inputs of a file, fitted on the training split (minmax)\n" +
        "  --encoder 3,25,25|cnn        MLP sizes: input then hidden layers (latent from --latent), or the CNN\n" +
        "  --activation relu|tanh|sigmoid|leaky-relu   MLP hidden activation (relu)\n" +
        "  --latent-gain G              MLP: scale the last layer's initial weights by G (1); > 1 starts with spread-out embeddings\n" +
        "  --cnn-width W                CNN channels of the first stage (32: about 0.3M parameters)\n" +
        "  --latent D --level N         sparse grid dimension (2) and level (6)\n" +
        "  --levels A,B,...             instead of --level: anisotropic grid, maximum level per latent dimension (D entries)\n" +
        "  --grid linear|boundary|extended-boundary|modified-linear\n" +
        "  --max-gib G                  memory budget of the sparse grid in GiB (2); a larger grid is refused before allocating\n" +
        "  --rescale sigmoid|tanh|margin:M\n" +
        "  --coef-init normal|zeros      initial sparse grid coefficients (small seeded normal, or zeros as in the thesis)\n" +
        "  --head sparse-grid|softmax|dense|density   dense: the equal-parameter ANN head of Eq. 3.27 instead of the sparse grid;\n" +
        "                               density: the sparse grid (softmax) head, then class densities on the frozen embeddings\n" +
        "                               (classification; see the density options below)\n" +
        "  --method gradient|ls|ils  --optimizer sgd|adam  --lr 0.01  --lambda 0.01  --ils-iterations 5\n" +
        "  --ils-solver cg|lsmr         ILS: conjugate gradients on the normal equations (default) or LSMR (Fong and Saunders 2011)\n" +
        "  --coef-lr-scale K            gradient method: coefficients learn at K x the learning rate (1)\n" +
        "  --dense-lr-scale K|auto      dense head (--head dense): its output weights learn at K x the learning rate (1; file data:\n" +
        "                               auto = min(1, widest encoder layer / hidden neurons), so a wide head does not stall)\n" +
        "  --freeze-encoder K           gradient method: only the coefficients learn in the first K epochs (0)\n" +
        "  --adapt none|subspaces|points   grid adaptation during training (none): subspaces = dimension-adaptive refinement\n" +
        "                               of whole subspaces; points = spatially adaptive (refined points gain their children in\n" +
        "                               every dimension plus missing ancestors; linear, modified-linear and boundary grids)\n" +
        "  --refine-every E --refine-count K   adapt after every E epochs (10), adding up to K subspaces / refining K points (2)\n" +
        "  --max-points N               point budget of the adapted grid (none)\n" +
        "  --indicator surplus|gradient refinement indicator: surplus x training embeddings in the support (default), or the\n" +
        "                               loss gradient's norm on the would-be coefficients\n" +
        "  --coarsen T                  also remove leaf subspaces whose points under training embeddings all have surpluses\n" +
        "                               <= T x the largest (points: leaf points with no training embedding in their support\n" +
        "                               and a surplus <= T x the largest) (0: off, default)\n" +
        "  --spread W                   add W x (distance of each batch's embeddings to uniform over the box) to the loss (0: off)\n" +
        "  --spread-epochs K            apply the spread penalty in the first K epochs only (0: all)\n" +
        "  --epochs 200 --batch 64 --seed 1 --data-seed 1 --patience 0 --clip NORM --schedule constant|cosine|step\n" +
        "  --split 0.6,0.2,0.2  --limit N (seeded, stratified subsample of the data)\n" +
        "  --preset spectra|mnist       thesis setups as defaults (explicit options win):\n" +
        "                               spectra = --encoder 3800,1000,40 --latent 3 --level 6 --rescale sigmoid --optimizer adam --lr 0.0005 --split 0.7,0.15,0.15\n" +
        "                               mnist   = --encoder cnn --latent 8 --level 4 --rescale margin:0.1 --optimizer adam --split 0.8,0.1,0.1";

    /// <summary>Parses the options (defaults: the thesis' swiss roll setup).</summary>
    public static ExperimentSpec Parse(CliArguments args, string? defaultData = null)
    {
        int[]? levels = ParseLevels(args);
        ApplyPreset(args);
        if (levels is not null) args.String("level"); // a preset's level yields to explicit --levels
        string data = args.String("data", defaultData) ?? throw new CliUsageException($"--data is required ({DataSources.Spellings}).");
        var sourceDefaults = DataSources.DefaultsFor(data);
        var modelDefaults = new NsgModelConfig();
        var tableDefaults = new TableOptions();
        var dataSpec = new DataSpec
        {
            Source = data,
            SwissRollT = args.Choice("swissroll-t", SwissRollT.Radians, new Dictionary<string, SwissRollT> { ["radians"] = SwissRollT.Radians, ["unit"] = SwissRollT.Unit }),
            Count = args.Int("count", 8000, 10, 10_000_000),
            Noise = args.Double("noise", 0.1, 0, 100),
            TableOptions = new TableOptions
            {
                Target = args.String("target"),
                Task = args.Choice<DatasetTask?>("task", tableDefaults.Task, new Dictionary<string, DatasetTask?> { ["auto"] = null, ["regression"] = DatasetTask.Regression, ["classification"] = DatasetTask.Classification }),
                Drop = (args.String("drop") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Missing = args.Choice("missing", tableDefaults.Missing, new Dictionary<string, MissingValues>
                {
                    ["error"] = MissingValues.Error, ["drop-rows"] = MissingValues.DropRows, ["impute-median"] = MissingValues.ImputeMedian,
                }),
                UnknownCategory = args.Choice("unknown-category", tableDefaults.UnknownCategory, new Dictionary<string, UnknownCategory> { ["error"] = UnknownCategory.Error, ["ignore"] = UnknownCategory.Ignore }),
                Scale = args.Choice("scale", tableDefaults.Scale, new Dictionary<string, Data.InputScaling> { ["minmax"] = Data.InputScaling.MinMax, ["standard"] = Data.InputScaling.Standard, ["none"] = Data.InputScaling.None }),
            },
            Limit = args.String("limit") is null ? null : args.Int("limit", 0, 1, int.MaxValue),
        };
        string head = args.Choice("head", modelDefaults.Head == HeadKind.Dense ? "dense" : "sparse-grid", new Dictionary<string, string>
        {
            ["sparse-grid"] = "sparse-grid", ["softmax"] = "sparse-grid", ["dense"] = "dense", ["density"] = "density",
        });
        string? givenEncoder = args.String("encoder");
        var mlpDefaults = new MlpEncoderConfig();
        string encoder = givenEncoder ?? (sourceDefaults.Encoder == EncoderKind.Cnn ? "cnn" : string.Join(",", new[] { modelDefaults.Inputs }.Concat(mlpDefaults.HiddenLayers)));
        // An option of the other encoder family would be silently dropped: refuse it instead.
        RefuseOtherFamilyOptions(args, encoder == "cnn");
        var mlp = new MlpEncoderConfig
        {
            HiddenLayers = encoder == "cnn" ? [] : ParseHidden(encoder),
            Activation = args.Choice("activation", mlpDefaults.Activation, new Dictionary<string, Activation>
            {
                ["relu"] = Activation.ReLU, ["tanh"] = Activation.Tanh, ["sigmoid"] = Activation.Sigmoid, ["leaky-relu"] = Activation.LeakyReLU,
            }),
            LatentInitGain = args.Double("latent-gain", mlpDefaults.LatentInitGain, 1e-3, 1e3),
        };
        var cnn = new CnnEncoderConfig { Width = args.Int("cnn-width", new CnnEncoderConfig().Width, 1, 1024) };
        var model = new NsgModelConfig
        {
            Encoder = encoder == "cnn" ? cnn : mlp,
            Latent = args.Int("latent", sourceDefaults.Latent, 1, 64),
            Grid = new GridConfig
            {
                Type = args.Choice("grid", modelDefaults.Grid.Type, GridTypes),
                Level = levels?.Max() ?? args.Int("level", sourceDefaults.Level, 1, 30),
                Levels = levels,
                MaxBytes = args.String("max-gib") is null ? null : (long)(args.Double("max-gib", 2, 1e-9, 1e9) * (1L << 30)),
                CoefficientInit = args.Choice("coef-init", modelDefaults.Grid.CoefficientInit, new Dictionary<string, Layers.CoefficientInit> { ["normal"] = Layers.CoefficientInit.SmallNormal, ["zeros"] = Layers.CoefficientInit.Zeros }),
            },
            Head = head == "dense" ? HeadKind.Dense : HeadKind.SparseGrid,
            Rescale = args.String("rescale") is string rescale ? ParseRescale(rescale) : sourceDefaults.Rescale,
        };
        var defaults = new TrainingOptions();
        var training = new TrainingOptions
        {
            Method = args.Choice("method", defaults.Method, new Dictionary<string, TrainingMethod>
            {
                ["gradient"] = TrainingMethod.Gradient, ["sgd"] = TrainingMethod.Gradient, ["ls"] = TrainingMethod.LeastSquares, ["ils"] = TrainingMethod.IterativeLeastSquares,
            }),
            Optimizer = args.Choice("optimizer", defaults.Optimizer, new Dictionary<string, OptimizerKind> { ["sgd"] = OptimizerKind.Sgd, ["adam"] = OptimizerKind.Adam }),
            LearningRate = args.Double("lr", defaults.LearningRate, 1e-12, 1e6),
            Gradient = new GradientMethodOptions
            {
                CoefficientLearningRateScale = args.Double("coef-lr-scale", defaults.Gradient.CoefficientLearningRateScale, 1e-6, 1e6),
                DenseOutputLearningRateScale = args.String("dense-lr-scale") == "auto" ? null : args.Double("dense-lr-scale", defaults.Gradient.DenseOutputLearningRateScale ?? 1, 1e-6, 1e6),
                FrozenEncoderEpochs = args.Int("freeze-encoder", defaults.Gradient.FrozenEncoderEpochs, 0, 1_000_000),
            },
            LeastSquares = new LeastSquaresOptions { Lambda = args.Double("lambda", defaults.LeastSquares.Lambda, 0, 1e9) },
            Ils = new IlsOptions
            {
                Iterations = args.Int("ils-iterations", defaults.Ils.Iterations, 1, 10_000),
                Solver = args.Choice("ils-solver", defaults.Ils.Solver, new Dictionary<string, IlsSolverKind> { ["cg"] = IlsSolverKind.ConjugateGradient, ["lsmr"] = IlsSolverKind.Lsmr }),
            },
            Epochs = args.Int("epochs", defaults.Epochs, 1, 1_000_000),
            BatchSize = args.Int("batch", defaults.BatchSize, 1, 1 << 24),
            Seed = args.Int("seed", defaults.Seed),
            EarlyStoppingPatience = args.Int("patience", defaults.EarlyStoppingPatience, 0, 1_000_000),
            GradientClipNorm = args.String("clip") is null ? null : args.Double("clip", 1, 1e-12, 1e12),
            Spread = args.Double("spread", defaults.Spread, 0, 1e6),
            SpreadEpochs = args.Int("spread-epochs", defaults.SpreadEpochs, 0, 1_000_000),
            Adaptivity = ParseAdaptivity(args),
            Schedule = args.Choice("schedule", defaults.Schedule, new Dictionary<string, LearningRateSchedule>
            {
                ["constant"] = LearningRateSchedule.Constant, ["cosine"] = LearningRateSchedule.Cosine, ["step"] = LearningRateSchedule.Step,
            }),
        };
        if (levels is not null && levels.Length != model.Latent)
            throw new CliUsageException($"--levels gives {levels.Length} levels but the latent dimension is {model.Latent}: give one per latent dimension.");
        var split = args.String("split") is string splitText ? ParseSplit(splitText) : sourceDefaults.Split;
        int? declaredInputs = givenEncoder is null || encoder == "cnn" ? null : int.Parse(encoder.Split(',')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new ExperimentSpec { Data = dataSpec, Model = model, Training = training, Split = split, DataSeed = args.Int("data-seed", 1), DeclaredInputs = declaredInputs,
            DensityHead = head == "density" ? ParseDensityHead(args) : null };
    }

    /// <summary>The presets: option defaults of the thesis' setups.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Presets = new Dictionary<string, IReadOnlyDictionary<string, string>>
    {
        // Thesis 3.3.3: MLP 3800-1000-40-3, regular grid of level 6, Adam; lr 5e-4 was the best of Table 3.3; split 70/15/15.
        ["spectra"] = new Dictionary<string, string>
        {
            ["encoder"] = "3800,1000,40", ["latent"] = "3", ["level"] = "6", ["rescale"] = "sigmoid", ["grid"] = "linear",
            ["optimizer"] = "adam", ["lr"] = "0.0005", ["split"] = "0.7,0.15,0.15",
        },
        // Thesis 3.4.3: ResNet-style CNN, d = 8, level 4, reserved margin 0.1 (the boundary treatment of Table 3.8).
        ["mnist"] = new Dictionary<string, string>
        {
            ["encoder"] = "cnn", ["latent"] = "8", ["level"] = "4", ["rescale"] = "margin:0.1", ["grid"] = "linear",
            ["optimizer"] = "adam", ["split"] = "0.8,0.1,0.1", ["task"] = "classification",
        },
    };

    /// <summary>
    /// `--levels A,B,...` (one level in 1..30 per dimension), refused together with an explicit `--level`; null when absent.
    /// </summary>
    public static int[]? ParseLevels(CliArguments args)
    {
        if (args.String("levels") is not string text) return null;
        if (args.String("level") is not null) throw new CliUsageException("--level and --levels exclude each other: give one level for all dimensions or one per dimension.");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var levels = new int[parts.Length];
        for (int j = 0; j < parts.Length; j++)
            if (!int.TryParse(parts[j], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out levels[j]) || levels[j] < 1 || levels[j] > 30)
                throw new CliUsageException($"--levels {text}: entry {j + 1} ('{parts[j]}') must be an integer level in 1..30.");
        return levels;
    }

    /// <summary>`--adapt`, `--refine-every`, `--refine-count`, `--max-points`, `--indicator`, `--coarsen`.</summary>
    public static AdaptivityOptions ParseAdaptivity(CliArguments args)
    {
        var d = new AdaptivityOptions();
        var mode = args.Choice("adapt", d.Mode, new Dictionary<string, AdaptMode> { ["none"] = AdaptMode.None, ["subspaces"] = AdaptMode.Subspaces, ["points"] = AdaptMode.Points });
        var options = new AdaptivityOptions
        {
            Mode = mode,
            RefineEvery = args.Int("refine-every", d.RefineEvery, 1, 1_000_000),
            RefineCount = args.Int("refine-count", d.RefineCount, 1, 10_000),
            MaxPoints = args.String("max-points") is null ? d.MaxPoints : args.Int("max-points", 1, 1, int.MaxValue),
            Indicator = args.Choice("indicator", d.Indicator, new Dictionary<string, RefinementIndicator> { ["surplus"] = RefinementIndicator.Surplus, ["gradient"] = RefinementIndicator.Gradient }),
            CoarsenTolerance = args.Double("coarsen", d.CoarsenTolerance, 0, 0.999999),
        };
        if (mode == AdaptMode.None && options with { Mode = d.Mode } != d)
            throw new CliUsageException("--refine-every, --refine-count, --max-points, --indicator and --coarsen adapt the grid during training: add --adapt subspaces or --adapt points.");
        return options;
    }

    private static void ApplyPreset(CliArguments args)
    {
        string? preset = args.String("preset");
        if (preset is null) return;
        if (!Presets.TryGetValue(preset.ToLowerInvariant(), out var values))
            throw new CliUsageException($"--preset must be one of {string.Join(", ", Presets.Keys)}; got '{preset}'.");
        foreach (var (name, value) in values) args.SetDefault(name, value);
    }

    /// <summary>Usage lines of the density head options.</summary>
    public const string DensityUsage =
        "  --density-lambda L           relative lambda of the class densities (default: chosen on the validation split)\n" +
        "  --density-selection accuracy|risk   how lambda is chosen: one lambda for all classes by validation accuracy\n" +
        "                               (default), or per class by the held-out L2 risk (SG++'s density criterion)\n" +
        "  --density-regularizer identity|laplace   the regularisation term C of (R + lambda C) alpha = b (identity)\n" +
        "  --density-grid TYPE --density-level N    grid of the class densities (default: the model's)\n" +
        "  --density-dense-limit P      grids of at most P points are solved directly (dense Cholesky), larger ones by\n" +
        "                               matrix-free conjugate gradients (8000; 0: always CG)\n" +
        "  --density-box class|global   each class density on a box around its training embeddings (class, default:\n" +
        "                               finer where the class lives, 0 outside) or on the whole latent box (global)\n" +
        "  --density-box-margin M       class boxes: share of each dimension's embedding range added on both sides (0.1)\n" +
        "  --ood-quantile Q             share of validation inputs flagged out of distribution (0.01)";

    /// <summary>Reads the density head options (`--density-*`, `--ood-quantile`).</summary>
    public static DensityHeadOptions ParseDensityHead(CliArguments args) => new()
    {
        Lambda = args.String("density-lambda") is null ? null : args.Double("density-lambda", 0, 0, 1e9),
        Selection = args.Choice("density-selection", LambdaSelection.Accuracy, new Dictionary<string, LambdaSelection>
        {
            ["accuracy"] = LambdaSelection.Accuracy, ["risk"] = LambdaSelection.Risk,
        }),
        Regularizer = args.Choice("density-regularizer", DensityRegularizer.Identity, new Dictionary<string, DensityRegularizer>
        {
            ["identity"] = DensityRegularizer.Identity, ["laplace"] = DensityRegularizer.Laplace,
        }),
        GridType = args.String("density-grid") is null ? null : args.Choice("density-grid", GridType.Linear, GridTypes),
        Level = args.String("density-level") is null ? null : args.Int("density-level", 4, 1, 30),
        Quantile = args.Double("ood-quantile", DensityThreshold.DefaultQuantile, 0, 1),
        DensePointLimit = args.Int("density-dense-limit", SparseGridDensityOptions.DefaultDensePointLimit, 0, 100_000),
        Boxes = args.Choice("density-box", DensityBoxRule.PerGroup, new Dictionary<string, DensityBoxRule>
        {
            ["class"] = DensityBoxRule.PerGroup, ["global"] = DensityBoxRule.Global,
        }),
        BoxMargin = args.Double("density-box-margin", SparseGridDensityOptions.DefaultBoxMargin, 0, 10),
    };

    /// <summary>Throws when an option of the encoder family not chosen is given (MLP: --activation, --latent-gain; CNN: --cnn-width).</summary>
    private static void RefuseOtherFamilyOptions(CliArguments args, bool cnn)
    {
        string[] foreign = cnn ? ["activation", "latent-gain"] : ["cnn-width"];
        foreach (string name in foreign)
            if (args.String(name) is not null)
                throw new CliUsageException($"--{name} applies to {(cnn ? "MLP" : "CNN")} encoders only, and this run uses {(cnn ? "a CNN" : "an MLP")} encoder; leave --{name} out.");
    }

    private static int[] ParseHidden(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = new List<int>();
        foreach (var p in parts)
            if (!int.TryParse(p, out int v) || v < 1) throw new CliUsageException($"--encoder expects comma-separated positive layer sizes like 3,25,25,2 or 'cnn'; got '{text}'.");
            else sizes.Add(v);
        // input,hidden,...: the input size comes from the data, the latent size from --latent.
        if (sizes.Count < 2) throw new CliUsageException($"--encoder needs at least the input size and one hidden layer (e.g. 3,25,25); got '{text}'.");
        return sizes.Skip(1).ToArray();
    }

    private static Rescaling ParseRescale(string text)
    {
        try { return Rescaling.Parse(text); }
        catch (FormatException e) { throw new CliUsageException("--rescale: " + e.Message); }
    }

    private static (double, double, double) ParseSplit(string text)
    {
        var parts = text.Split(',').Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : -1).ToArray();
        if (parts.Length != 3 || parts.Any(p => p < 0) || Math.Abs(parts.Sum() - 1) > 1e-9 || parts[0] <= 0 || parts[2] <= 0)
            throw new CliUsageException($"--split expects three non-negative fractions summing to 1, like 0.6,0.2,0.2; got '{text}'.");
        return (parts[0], parts[1], parts[2]);
    }
}
