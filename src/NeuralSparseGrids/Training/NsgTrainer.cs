using System.Diagnostics;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Trains a <see cref="NeuralSparseGrid"/> with one of the three methods of thesis 3.2.2, assembled from parts: the
/// method's step (<see cref="MethodSteps"/>, with an <see cref="ICoefficientSolver"/> for LS and ILS), an
/// <see cref="IStepOptimizer"/>, the <see cref="StopCriteria"/> of the options, and the shared <see cref="EpochLoop"/>
/// (shuffled mini-batches, validation, restore of the best parameters); checkpoints let a later run resume.
/// </summary>
/// <remarks>
/// Tensor lifetimes: one dispose scope per step; only doubles leave a step. Long-lived tensors (snapshots of the best
/// and last good parameters) are owned and disposed by the loop.
/// Determinism: weights come from the model's seed, batch order from (Seed, epoch), so a run resumed from a
/// checkpoint on CPU reproduces the losses of an uninterrupted run.
/// </remarks>
public sealed class NsgTrainer
{
    private readonly NeuralSparseGrid _model;
    private readonly TrainingOptions _options;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    public NsgTrainer(NeuralSparseGrid model, TrainingOptions options)
    {
        options.Validate();
        if (options.Method != TrainingMethod.Gradient && model.Config.Task == NsgTask.Classification)
            throw new ArgumentException("The LS and ILS methods fit regression targets; train classification models with the gradient method (as the thesis does).");
        if (options.Method != TrainingMethod.Gradient && model.Config.Head == HeadKind.Dense)
            throw new ArgumentException("The LS and ILS methods solve for sparse grid coefficients; a model with a dense (ANN) head must be trained with the gradient method.");
        if (options.Adaptivity.Mode != AdaptMode.None && model.Config.Head == HeadKind.Dense)
            throw new ArgumentException("Grid adaptation needs a sparse grid head; a model with a dense (ANN) head has no grid to adapt.");
        if (options.Adaptivity.Mode == AdaptMode.Points && model.Config.Grid.Type == Grids.GridType.LinearExtendedBoundary)
            throw new ArgumentException("Spatially adaptive grids (--adapt points) support the linear, modified-linear and boundary grid types; " +
                "LinearExtendedBoundary's level 1 couples its boundary functions and hat, so it has no point hierarchy. Use --adapt subspaces or another --grid.");
        _model = model;
        _options = options;
    }

    /// <summary>Callbacks run after each batch and epoch.</summary>
    public List<ITrainingCallback> Callbacks { get; } = [];

    /// <summary>Caller metadata stored in checkpoints (e.g. the data scaling).</summary>
    public Dictionary<string, System.Text.Json.JsonElement> Metadata { get; } = [];

    /// <summary>
    /// Trains on <paramref name="train"/>, validating on <paramref name="validation"/> (may be null: then the
    /// training loss is used for model selection). With <paramref name="checkpointDir"/> a checkpoint is written after
    /// every epoch; with <paramref name="resume"/> training continues from the checkpoint found there.
    /// </summary>
    public TrainingResult Fit(TrainingSplit train, TrainingSplit? validation = null, string? checkpointDir = null, bool resume = false)
    {
        int threadsBefore = torch.get_num_threads();
        torch.set_num_threads(_options.TorchThreads ?? DefaultTorchThreads(threadsBefore));
        try
        {
            return FitWithThreads(train, validation, checkpointDir, resume);
        }
        finally
        {
            torch.set_num_threads(threadsBefore);
        }
    }

    // MLP steps are hundreds of tiny ops, where OpenMP barriers cost more than they save; LS/ILS on larger grids are
    // dominated by (N x G) products and G x G solves, which do profit from more threads: as many as the process allows
    // (torch's setting when Fit starts), so a sweep worker given one thread (`nsg sweep cell --threads 1`, one per
    // core) never oversubscribes the cores its siblings use.
    private int DefaultTorchThreads(int allowed)
    {
        bool tinyOps = _model.Config.Encoder is MlpEncoderConfig
                       && (_options.Method == TrainingMethod.Gradient || _model.Grid.PointCount < 500);
        return tinyOps ? 1 : Math.Max(1, allowed);
    }

    private TrainingResult FitWithThreads(TrainingSplit train, TrainingSplit? validation, string? checkpointDir, bool resume)
    {
        CheckSplit(train, "training");
        if (validation != null) CheckSplit(validation, "validation");
        var watch = Stopwatch.StartNew();
        // A resumed adaptive run continues on the checkpoint's grid: adopt it before the optimizer sees the parameters.
        var resumed = resume ? TrainerCheckpoints.AdoptGrid(checkpointDir, _model) : null;
        using var optimizer = StepOptimizers.Create(_model, _options, TrainedParameters().ToList());
        var criteria = StopCriteria.For(_options);
        using var state = resume ? ResumeFrom(checkpointDir, optimizer, criteria) : new LoopState();
        var adaptation = new GridAdaptation(_options.Adaptivity, resumed?.Refinements);
        if (_options.Adaptivity.Mode != AdaptMode.None) StepPrecompilation.Start(_options.Adaptivity.Mode);
        var loop = BuildLoop(train, validation, optimizer, criteria, adaptation, checkpointDir);
        foreach (var callback in Callbacks) callback.OnFitStart(_model, train);
        var (decision, endEpoch) = loop.Run(train.X, train.Y, state);
        if (checkpointDir != null) Checkpoint.SaveModule(checkpointDir, Checkpoint.FinalFile, _model);
        _model.eval();
        return new TrainingResult
        {
            History = state.History,
            BestEpoch = endEpoch,
            BestValidationLoss = state.BestScore,
            EpochsCompleted = state.Epoch,
            Status = decision.Status,
            StopReason = decision.Reason,
            Bursts = criteria.Bursts?.Bursts ?? 0,
            Seconds = watch.Elapsed.TotalSeconds,
            Refinements = [.. adaptation.Steps],
        };
    }

    // The parameters the optimizer trains (the gradient method: all; LS/ILS: the encoder's), read afresh because grid
    // adaptation replaces the coefficient parameter.
    private IEnumerable<TorchSharp.Modules.Parameter> TrainedParameters() =>
        _options.Method == TrainingMethod.Gradient ? _model.parameters() : _model.EncoderParameters();

    private LoopState ResumeFrom(string? checkpointDir, IStepOptimizer optimizer, StopCriteria criteria)
    {
        var (state, bursts) = TrainerCheckpoints.Resume(checkpointDir, _model, optimizer, Metadata);
        criteria.Bursts?.Restore(bursts);
        return state;
    }

    private EpochLoop BuildLoop(TrainingSplit train, TrainingSplit? validation, IStepOptimizer optimizer, StopCriteria criteria,
        GridAdaptation adaptation, string? checkpointDir)
    {
        var solver = MethodSteps.Solver(_options);
        var gradient = _options.Gradient;
        double spread = _options.Spread;
        int gridChangedAt = -1;
        var fusedStep = FusedMlpStep.TryCreate(_model, _options, train);
        // A step reads the training embeddings its epoch's forward passes computed, gathered batch by batch, instead
        // of embedding the training split again (not for encoders whose training-mode forward differs).
        var gathered = new EpochEmbeddings();
        bool gather = EpochEmbeddings.CanGather(_model);
        ReadOnlyMemory<int> batchRows = default;
        Action<Tensor>? Gathering(int epoch) => gather && adaptation.IsDue(epoch) ? h => gathered.Record(batchRows.Span, h) : null;
        Action<Tensor>? embedded = null;
        // The data mass (point refinement; subspace refinement's coarsening) is gathered inside the fused step's backward pass (EpochEmbeddings).
        bool gatherMass = fusedStep != null && gather && adaptation.GathersMass;
        return new EpochLoop
        {
            Module = _model,
            Optimizer = optimizer,
            Criteria = criteria,
            Seed = _options.Seed,
            BatchSize = solver == null ? _options.BatchSize : SolveBatchSize(train.Count),
            LearningRate = _options.LearningRateAt,
            EpochStarting = epoch =>
            {
                spread = _options.SpreadEpochs == 0 || epoch <= _options.SpreadEpochs ? _options.Spread : 0;
                embedded = Gathering(epoch);
                if (embedded != null) gathered.Begin(epoch, train.Count, _model.Config.Latent, gatherMass ? _model.Grid : null,
                    rowsBesideMass: adaptation.ReadsRowsBesideMass);
                else gathered.End();
            },
            BatchStarting = (_, rows) => batchRows = rows,
            Loss = solver == null
                ? (x, y) => MethodSteps.GradientLoss(_model, x, y, spread, embedded)
                : (x, y) => MethodSteps.SolveLoss(_model, solver, x, y, spread, embedded),
            GradientStep = fusedStep == null ? null : (x, y, rows) =>
            {
                double loss = fusedStep.Run(x, y, rows, embedded == null ? null : gathered);
                if (gatherMass) gathered.RecordBackward(fusedStep.BackwardSeconds);
                return loss;
            },
            AfterBackward = epoch =>
            {
                if (epoch <= gradient.FrozenEncoderEpochs)
                    foreach (var p in _model.EncoderParameters()) p.grad?.zero_(); // zero gradients: Adam's moments stay 0, no step
                if (_options.GradientClipNorm is double clip) nn.utils.clip_grad_norm_(TrainedParameters(), clip);
            },
            AfterBatches = _options.Method == TrainingMethod.LeastSquares ? () => MethodSteps.Refit(_model, train, _options.LeastSquares.Lambda) : null,
            Evaluate = () => Evaluate(validation ?? train),
            EvaluatedOn = validation != null ? "validation" : "training",
            RestoreBest = _options.RestoreBest,
            BatchEnded = (epoch, batch, batches, loss) => { foreach (var c in Callbacks) c.OnBatchEnd(epoch, batch, batches, loss); },
            ChangeParameters = (state, lastGood) =>
            {
                if (adaptation.IsDue(state.Epoch) && adaptation.Step(state.Epoch, _model, optimizer, train, [state.Best, lastGood], gathered) != null)
                    gridChangedAt = state.Epoch;
                gathered.End();
            },
            EpochEnded = (state, report) =>
            {
                if (checkpointDir != null)
                    TrainerCheckpoints.Save(checkpointDir, _model, optimizer, _options, state, criteria.Bursts?.Bursts ?? 0, Metadata,
                        adaptation.Steps, bestChanged: gridChangedAt == state.Epoch);
                foreach (var c in Callbacks) c.OnEpochEnd(_model, report);
            },
        };
    }

    /// <summary>Loss and metric (MSE or accuracy) of the model on a split, in evaluation mode, without gradients.</summary>
    public (double Loss, double Metric) Evaluate(TrainingSplit split)
    {
        _model.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return Metrics.LossAndMetric(Predictor.Forward(_model, split.X), split.Y);
    }

    private int SolveBatchSize(int rows)
    {
        // An adaptive grid grows up to its budget: size the solve batches for that, not for the starting grid.
        long points = _options.Adaptivity.Mode != AdaptMode.None && _options.Adaptivity.MaxPoints is long budget
            ? Math.Max(budget, _model.Grid.PointCount) : _model.Grid.PointCount;
        int wanted = _options.LeastSquares.SolveBatchSize
                     ?? Math.Max(_options.BatchSize, (int)Math.Min(int.MaxValue / 2, Math.Max(256, 2 * points)));
        return Math.Min(wanted, rows);
    }

    private void CheckSplit(TrainingSplit split, string what)
    {
        if (split.Count == 0) throw new ArgumentException($"The {what} split is empty.");
        if (split.X.shape[1] != _model.Config.Inputs && _model.Config.Encoder is MlpEncoderConfig)
            throw new ArgumentException($"The {what} split has {split.X.shape[1]} features but the model expects {_model.Config.Inputs}.");
        bool classification = _model.Config.Task == NsgTask.Classification;
        if (classification != split.IsClassification)
            throw new ArgumentException($"The {what} split holds {(split.IsClassification ? "class labels" : "regression targets")} but the model is for {_model.Config.Task}.");
        if (!classification && split.Y.shape[1] != _model.Config.Outputs)
            throw new ArgumentException($"The {what} split has {split.Y.shape[1]} target columns but the model has {_model.Config.Outputs} outputs.");
    }
}
