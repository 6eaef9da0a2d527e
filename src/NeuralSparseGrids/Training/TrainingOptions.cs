using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Training;

/// <summary>How the sparse grid coefficients are learned (thesis 3.2.2).</summary>
public enum TrainingMethod
{
    /// <summary>"SGD" in the thesis: encoder and coefficients trained jointly by a gradient optimizer.</summary>
    Gradient,
    /// <summary>"LS" (Algorithm 1): coefficients from the ridge closed form each step, gradients through the solve.</summary>
    LeastSquares,
    /// <summary>"ILS" (Algorithm 2): coefficients advanced by t warm-started CG iterations, gradients through them.</summary>
    IterativeLeastSquares,
}

/// <summary>Gradient optimizer.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent (momentum configurable).</summary>
    Sgd,
    /// <summary>Adam.</summary>
    Adam,
}

/// <summary>Learning-rate schedule over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant.</summary>
    Constant,
    /// <summary>Cosine decay from the initial rate to 1% of it at the last epoch.</summary>
    Cosine,
    /// <summary>Halve every quarter of the epochs.</summary>
    Step,
}

/// <summary>
/// Options of <see cref="NsgTrainer"/>: the settings every method shares, and one record per method
/// (<see cref="Gradient"/>, <see cref="LeastSquares"/> for LS and ILS, <see cref="Ils"/>); a record's settings are
/// ignored by the other methods. The property initialisers are the library's defaults (the CLI reads them from here).
/// Every random choice derives from <see cref="Seed"/>.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Coefficient learning method.</summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Gradient;

    /// <summary>Optimizer for the encoder (and, for <see cref="TrainingMethod.Gradient"/>, the coefficients).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>
    /// Use the fused CPU Adam (same arithmetic as torch's Adam, one C# loop per parameter) when every parameter is a
    /// contiguous CPU float tensor; false: torch.optim.Adam.
    /// </summary>
    public bool FusedOptimizer { get; init; } = true;

    /// <summary>
    /// Compute a gradient-method step of a small MLP-encoder model (float32, fused CPU layer, no spread penalty) in one
    /// C# pass instead of torch ops and autograd (<see cref="FusedMlpStep"/>: same arithmetic, a fraction of the
    /// per-call overhead); false: always the autograd path.
    /// </summary>
    public bool FusedStep { get; init; } = true;

    /// <summary>SGD momentum (ignored by Adam).</summary>
    public double Momentum { get; init; }

    /// <summary>Epochs to train (a resumed run continues up to this count).</summary>
    public int Epochs { get; init; } = 200;

    /// <summary>Mini-batch size. LS/ILS use <see cref="LeastSquaresOptions.SolveBatchSize"/>.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Seed of weight initialisation and shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Stop after this many epochs without a validation improvement (0: never) and restore the best model.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Restore the parameters of the epoch with the lowest validation loss at the end.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Clip the global gradient norm to this value (null: no clipping).</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>An epoch mean training loss this many times the median of the last 10 epochs starts a loss burst (thesis 3.5.1; <see cref="LossBurstCriterion"/>).</summary>
    public double BurstFactor { get; init; } = 10;

    /// <summary>
    /// Threads for torch's intra-op parallelism during training; null: 1 for MLP encoders (gradient method, or LS/ILS on grids below 500 points), all cores otherwise.
    /// Why: an MLP step is hundreds of tiny ops, and OpenMP's barrier per op costs more than it saves — measured
    /// here, a 3-25-25-2 forward pass took 0.24 ms on 1 thread and 10-40 ms on 2 threads of a busy 2-core machine.
    /// </summary>
    public int? TorchThreads { get; init; }

    /// <summary>
    /// Weight W of the spread penalty (0: off): W x <see cref="SpreadPenalty"/> of each batch's embeddings is added to
    /// the loss, pulling their per-dimension distribution toward uniform over the rescaling's range, so the encoder
    /// uses the box instead of a small patch (thesis 3.5.2). Every method.
    /// </summary>
    public double Spread { get; init; }

    /// <summary>
    /// The spread penalty applies in epochs 1..SpreadEpochs only (0: in every epoch); the epochs after it let the
    /// coefficients settle on embeddings that no longer move to meet the penalty.
    /// </summary>
    public int SpreadEpochs { get; init; }

    /// <summary>Grid adaptation during training (default: none).</summary>
    public AdaptivityOptions Adaptivity { get; init; } = new();

    /// <summary>Settings of the gradient method.</summary>
    public GradientMethodOptions Gradient { get; init; } = new();

    /// <summary>Settings of the LS and ILS methods (the ridge problem and its batches).</summary>
    public LeastSquaresOptions LeastSquares { get; init; } = new();

    /// <summary>Settings of the ILS method (the iterative solver).</summary>
    public IlsOptions Ils { get; init; } = new();

    // Checkpoints written before the options were split stored the method settings flat ("lambda", "ilsIterations",
    // ...). These write-only JSON members read them into the records, so such run directories keep their settings;
    // they are never written (null) and are not part of the API.
    [JsonInclude, JsonPropertyName("lambda"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal double? LegacyLambda { get => null; init { if (value is double v) LeastSquares = LeastSquares with { Lambda = v }; } }

    [JsonInclude, JsonPropertyName("solveBatchSize"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal int? LegacySolveBatchSize { get => null; init { if (value is int v) LeastSquares = LeastSquares with { SolveBatchSize = v }; } }

    [JsonInclude, JsonPropertyName("ilsIterations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal int? LegacyIlsIterations { get => null; init { if (value is int v) Ils = Ils with { Iterations = v }; } }

    [JsonInclude, JsonPropertyName("coefficientLearningRateScale"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal double? LegacyCoefficientLearningRateScale { get => null; init { if (value is double v) Gradient = Gradient with { CoefficientLearningRateScale = v }; } }

    [JsonInclude, JsonPropertyName("frozenEncoderEpochs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    internal int? LegacyFrozenEncoderEpochs { get => null; init { if (value is int v) Gradient = Gradient with { FrozenEncoderEpochs = v }; } }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"Learning rate must be positive (got {LearningRate}).");
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1 (got {Epochs}).");
        if (BatchSize < 1) throw new ArgumentException($"Batch size must be at least 1 (got {BatchSize}).");
        if (EarlyStoppingPatience < 0) throw new ArgumentException("Early-stopping patience must be non-negative.");
        if (TorchThreads is < 1) throw new ArgumentException($"Torch threads must be at least 1 (got {TorchThreads}).");
        if (GradientClipNorm is <= 0) throw new ArgumentException("Gradient clip norm must be positive.");
        if (!(BurstFactor > 1) || !double.IsFinite(BurstFactor)) throw new ArgumentException($"Burst factor must be a finite number > 1 (got {BurstFactor}).");
        if (!(Spread >= 0) || !double.IsFinite(Spread)) throw new ArgumentException($"The spread weight must be a finite number >= 0 (got {Spread}).");
        if (SpreadEpochs < 0) throw new ArgumentException($"Spread epochs must be >= 0 (got {SpreadEpochs}).");
        Adaptivity.Validate();
        Gradient.Validate();
        LeastSquares.Validate();
        Ils.Validate();
        if (Gradient.FrozenEncoderEpochs > 0 && Method != TrainingMethod.Gradient)
            throw new ArgumentException("Frozen encoder epochs apply to the gradient method only (LS and ILS solve the coefficients at every step).");
    }

    /// <summary>The learning rate of a 1-based <paramref name="epoch"/> under <see cref="Schedule"/>.</summary>
    public double LearningRateAt(int epoch)
    {
        double progress = (epoch - 1) / (double)Math.Max(Epochs - 1, 1);
        return Schedule switch
        {
            LearningRateSchedule.Cosine => LearningRate * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * progress))),
            LearningRateSchedule.Step => LearningRate * Math.Pow(0.5, Math.Floor((epoch - 1) / Math.Max(Epochs / 4.0, 1))),
            _ => LearningRate,
        };
    }
}
