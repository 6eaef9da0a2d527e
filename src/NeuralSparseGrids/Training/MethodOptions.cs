namespace NeuralSparseGrids.Training;

/// <summary>Settings of the gradient method ("SGD" in the thesis): encoder and coefficients learn jointly.</summary>
public sealed record GradientMethodOptions
{
    /// <summary>
    /// The sparse grid coefficients learn with this multiple of the learning rate. Each coefficient sees only the few
    /// samples whose embeddings activate it, so its gradients are small next to the encoder's.
    /// </summary>
    public double CoefficientLearningRateScale { get; init; } = 1;

    /// <summary>
    /// For the first this many epochs only the sparse grid coefficients learn; the encoder's gradients are zeroed, so
    /// it keeps its initial embeddings (0: joint training from the start). Lets the coefficients fit the response on
    /// the initial (e.g. spread-out, <c>MlpEncoderConfig.LatentInitGain</c>) embeddings before the encoder moves, as the
    /// LS method's exact solve does at every step.
    /// </summary>
    public int FrozenEncoderEpochs { get; init; }

    /// <summary>
    /// The output layer's weights of an equal-parameter dense head (<c>HeadKind.Dense</c>) learn at this multiple of the
    /// learning rate; null: the width rule <see cref="Models.EqualParameterHead.OutputLearningRateScale"/>. Adam moves
    /// every weight by about the learning rate per step, so a layer's output moves by about its fan-in times that: the
    /// head's output layer has the n hidden neurons of Eq. 3.27 as fan-in (2,017 on letter recognition at latent 6,
    /// level 5, 26 classes), and at the encoder's rate its first steps drive the latent sigmoid into saturation, where
    /// the ANN stalls at chance. 1 (the default) is the thesis protocol: one rate for every parameter.
    /// </summary>
    public double? DenseOutputLearningRateScale { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(CoefficientLearningRateScale > 0) || !double.IsFinite(CoefficientLearningRateScale))
            throw new ArgumentException($"Coefficient learning-rate scale must be positive (got {CoefficientLearningRateScale}).");
        if (DenseOutputLearningRateScale is double d && (!(d > 0) || !double.IsFinite(d)))
            throw new ArgumentException($"Dense output learning-rate scale must be positive (got {d}).");
        if (FrozenEncoderEpochs < 0) throw new ArgumentException($"Frozen encoder epochs must be >= 0 (got {FrozenEncoderEpochs}).");
    }
}

/// <summary>Settings shared by the LS and ILS methods: the ridge problem of Eq. 3.9 and the batches it is solved on.</summary>
public sealed record LeastSquaresOptions
{
    /// <summary>Ridge regularisation lambda of Eq. 3.9.</summary>
    public double Lambda { get; init; } = 0.01;

    /// <summary>
    /// Batch size of the solve steps; null: max(<see cref="TrainingOptions.BatchSize"/>, 2 * grid points, 256) (an
    /// adaptive grid: its point budget). With
    /// fewer rows than grid points the ridge fit interpolates the batch (Eq. 3.12 gives K C ≈ Y) and the loss carries
    /// almost no signal.
    /// </summary>
    public int? SolveBatchSize { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Lambda < 0 || !double.IsFinite(Lambda)) throw new ArgumentException($"Lambda must be non-negative (got {Lambda}).");
        if (SolveBatchSize is < 1) throw new ArgumentException($"Solve batch size must be at least 1 (got {SolveBatchSize}).");
    }
}

/// <summary>The iterative solver of the ILS method.</summary>
public enum IlsSolverKind
{
    /// <summary>Conjugate gradients on the normal equations (<see cref="ConjugateGradientSolver"/>).</summary>
    ConjugateGradient,
    /// <summary>LSMR on the least-squares problem itself (<see cref="LsmrSolver"/>), the solver the thesis names.</summary>
    Lsmr,
}

/// <summary>Settings of the ILS method (Algorithm 2): t warm-started solver iterations per step.</summary>
public sealed record IlsOptions
{
    /// <summary>Iterations t of the iterative solver per step.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>The iterative solver.</summary>
    public IlsSolverKind Solver { get; init; } = IlsSolverKind.ConjugateGradient;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Iterations < 1) throw new ArgumentException($"ILS iterations must be at least 1 (got {Iterations}).");
    }
}
