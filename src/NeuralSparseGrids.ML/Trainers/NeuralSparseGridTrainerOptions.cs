using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// Options of the ML.NET NSG trainers: column names (ML.NET conventions) and the NSG's model and training settings,
/// with the same defaults as `nsg train`. Features are used as the pipeline delivers them (normalise them in the
/// pipeline, e.g. <c>NormalizeMinMax(..., fixZero: false)</c>, which is the scaling `nsg train` applies), unless
/// <see cref="ScaleFeatures"/> is set; regression labels are min-max scaled internally (as `nsg train` does) and
/// scores are returned in the label's units.
/// </summary>
public sealed class NeuralSparseGridTrainerOptions
{
    /// <summary>Feature column: a known-size vector of float (e.g. the output of <c>Concatenate</c>).</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Label column: float (regression) or a key type (multiclass; <c>MapValueToKey</c>).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Output score column: float (regression) or the class probabilities (multiclass).</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>Output predicted label column (multiclass only): a key of the label's key type.</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>Encoder family (the CNN expects flattened square single-channel images).</summary>
    public EncoderKind Encoder { get; set; } = EncoderKind.Mlp;

    /// <summary>MLP hidden layer widths (`--encoder` without the input and latent sizes).</summary>
    public int[] HiddenLayers { get; set; } = [25, 25];

    /// <summary>MLP hidden activation.</summary>
    public Activation Activation { get; set; } = Activation.ReLU;

    /// <summary>Latent (sparse grid) dimension d.</summary>
    public int Latent { get; set; } = 2;

    /// <summary>Sparse grid level n.</summary>
    public int Level { get; set; } = 6;

    /// <summary>Sparse grid type.</summary>
    public GridType Grid { get; set; } = GridType.Linear;

    /// <summary>Rescaling into [0,1]^d: `sigmoid`, `tanh` or `margin:M`.</summary>
    public string Rescale { get; set; } = "sigmoid";

    /// <summary>Training method: gradient (Adam), least squares or iterative least squares.</summary>
    public TrainingMethod Method { get; set; } = TrainingMethod.Gradient;

    /// <summary>Epochs.</summary>
    public int Epochs { get; set; } = 200;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Ridge parameter lambda of the LS/ILS coefficient solves.</summary>
    public double Lambda { get; set; } = 0.01;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>
    /// Fraction of the training rows held out (seeded, stratified for classes) to pick the best epoch, as `nsg train`'s
    /// validation split: 0.25 of train+validation is its 20 % of a 60/20/20 split. 0 trains on all rows and keeps the last epoch.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.25;

    /// <summary>Stop after this many epochs without a better validation loss (0: run all epochs), as `--patience`.</summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Min-max scale the features on the training rows inside the trainer (for pipelines without a normaliser).</summary>
    public bool ScaleFeatures { get; set; }

    /// <summary>Seed of the weight initialisation, the batches and the validation hold-out.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The NSG model configuration for <paramref name="inputs"/> features and <paramref name="outputs"/> outputs/classes.</summary>
    public NsgModelConfig ToModelConfig(int inputs, int outputs, bool classification) => new()
    {
        Task = classification ? NsgTask.Classification : NsgTask.Regression,
        Inputs = inputs,
        Outputs = outputs,
        Encoder = Encoder == EncoderKind.Cnn
            ? new CnnEncoderConfig { ImageSize = (int)Math.Round(Math.Sqrt(inputs)) }
            : new MlpEncoderConfig { HiddenLayers = HiddenLayers, Activation = Activation },
        Latent = Latent,
        Grid = new GridConfig { Type = Grid, Level = Level },
        Rescale = Models.Rescaling.Parse(Rescale),
    };

    /// <summary>The NSG training options.</summary>
    public TrainingOptions ToTrainingOptions() => new()
    {
        Method = Method,
        Epochs = Epochs,
        LearningRate = LearningRate,
        LeastSquares = new LeastSquaresOptions { Lambda = Lambda },
        BatchSize = BatchSize,
        Seed = Seed,
        RestoreBest = ValidationFraction > 0,
        EarlyStoppingPatience = ValidationFraction > 0 ? EarlyStoppingPatience : 0,
    };
}
