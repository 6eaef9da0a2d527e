using System.Diagnostics;
using NeuralSparseGrids.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Trains a <see cref="NeuralSparseGrid"/> with one of the three methods of thesis 3.2.2: per-epoch shuffled
/// mini-batches, validation, early stopping with restore of the best parameters, loss-burst counting, a NaN/Inf
/// guard, and atomic checkpoints that a later run resumes from.
/// </summary>
/// <remarks>
/// Tensor lifetimes: one dispose scope per step; only doubles leave a step. Long-lived tensors (snapshots of the best
/// and last good parameters) are owned and disposed by the trainer.
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
        int threads = _options.TorchThreads ?? DefaultTorchThreads();
        torch.set_num_threads(threads);
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
    // dominated by (N x G) products and G x G solves, which do profit from all cores.
    private int DefaultTorchThreads()
    {
        bool tinyOps = _model.Config.Encoder == EncoderKind.Mlp
                       && (_options.Method == TrainingMethod.Gradient || _model.Grid.PointCount < 500);
        return tinyOps ? 1 : Environment.ProcessorCount;
    }

    private TrainingResult FitWithThreads(TrainingSplit train, TrainingSplit? validation, string? checkpointDir, bool resume)
    {
        CheckSplit(train, "training");
        if (validation != null) CheckSplit(validation, "validation");
        var watch = Stopwatch.StartNew();
        var parameters = (_options.Method == TrainingMethod.Gradient ? _model.parameters() : _model.EncoderParameters()).ToList();
        using var optimizer = CreateOptimizer(parameters);
        var history = new List<EpochReport>();
        var bursts = new LossBurstDetector(_options.BurstFactor);
        int startEpoch = 0, bestEpoch = 0;
        double bestLoss = double.PositiveInfinity;
        Dictionary<string, Tensor>? best = null;

        if (resume)
        {
            if (checkpointDir == null || !Checkpoint.Exists(checkpointDir))
                throw new InvalidOperationException($"Cannot resume: no checkpoint in '{checkpointDir}'.");
            var state = Checkpoint.ReadState(checkpointDir);
            if (!SameModel(state.Model, _model.Config))
                throw new InvalidOperationException("The checkpoint was written for a different model configuration; start a new run directory instead.");
            Checkpoint.LoadParameters(_model, Path.Combine(checkpointDir, Checkpoint.ModelFile));
            if (File.Exists(Path.Combine(checkpointDir, Checkpoint.OptimizerFile))) optimizer.Load(Path.Combine(checkpointDir, Checkpoint.OptimizerFile));
            startEpoch = state.Epoch;
            history.AddRange(state.History);
            bestEpoch = state.BestEpoch;
            bestLoss = state.BestValidationLoss;
            bursts.Restore(state.Bursts);
            foreach (var (k, v) in state.Metadata) Metadata.TryAdd(k, v);
            if (File.Exists(Path.Combine(checkpointDir, Checkpoint.BestFile)))
            {
                var current = ParameterSnapshot.Take(_model);
                Checkpoint.LoadParameters(_model, Path.Combine(checkpointDir, Checkpoint.BestFile));
                best = ParameterSnapshot.Take(_model);
                ParameterSnapshot.Restore(_model, current);
                current.Dispose();
            }
        }

        var lastGood = ParameterSnapshot.Take(_model);
        string? divergence = null;
        bool stoppedEarly = false;
        int epochsWithoutImprovement = history.Count > 0 ? history.Count - bestEpoch : 0;
        int solveBatch = SolveBatchSize(train.Count);
        foreach (var callback in Callbacks) callback.OnFitStart(_model, train);
        try
        {
            for (int epoch = startEpoch + 1; epoch <= _options.Epochs; epoch++)
            {
                var epochWatch = Stopwatch.StartNew();
                double lr = LearningRateAt(epoch);
                optimizer.SetLearningRate(lr);
                _model.train();
                int burstsBefore = bursts.Bursts;
                (double trainLoss, divergence) = RunEpoch(train, optimizer, parameters, epoch, solveBatch, bursts);
                if (divergence == null && _options.Method == TrainingMethod.LeastSquares) RefitCoefficients(train);
                if (divergence == null && !ParameterSnapshot.AllFinite(_model)) divergence = $"parameters became NaN/Inf in epoch {epoch}";
                double valLoss = double.NaN, valMetric = double.NaN;
                if (divergence == null)
                {
                    var eval = validation ?? train;
                    (valLoss, valMetric) = Evaluate(eval);
                    if (!double.IsFinite(valLoss)) divergence = $"{(validation != null ? "validation" : "training")} loss is {valLoss} after epoch {epoch}";
                }
                if (divergence != null)
                {
                    ParameterSnapshot.Restore(_model, lastGood);
                    break;
                }

                var report = new EpochReport(epoch, trainLoss, valLoss, valMetric, lr, epochWatch.Elapsed.TotalSeconds, bursts.Bursts - burstsBefore);
                history.Add(report);
                lastGood.Dispose();
                lastGood = ParameterSnapshot.Take(_model);
                if (valLoss < bestLoss)
                {
                    bestLoss = valLoss;
                    bestEpoch = epoch;
                    best?.Dispose();
                    best = ParameterSnapshot.Take(_model);
                    epochsWithoutImprovement = 0;
                }
                else epochsWithoutImprovement++;

                if (checkpointDir != null) SaveCheckpoint(checkpointDir, optimizer, epoch, history, bestEpoch, bestLoss, bursts.Bursts, best);
                foreach (var callback in Callbacks) callback.OnEpochEnd(_model, report);
                if (_options.EarlyStoppingPatience > 0 && epochsWithoutImprovement >= _options.EarlyStoppingPatience)
                {
                    stoppedEarly = true;
                    break;
                }
            }

            int endEpoch = history.Count > 0 ? history[^1].Epoch : 0;
            if (_options.RestoreBest && best != null)
            {
                ParameterSnapshot.Restore(_model, best);
                endEpoch = bestEpoch;
            }
            if (checkpointDir != null) Checkpoint.SaveModule(checkpointDir, Checkpoint.FinalFile, _model);
            _model.eval();
            return new TrainingResult
            {
                History = history,
                BestEpoch = endEpoch,
                BestValidationLoss = bestLoss,
                EpochsCompleted = history.Count > 0 ? history[^1].Epoch : 0,
                StoppedEarly = stoppedEarly,
                Bursts = bursts.Bursts,
                Divergence = divergence,
                Seconds = watch.Elapsed.TotalSeconds,
            };
        }
        finally
        {
            lastGood.Dispose();
            best?.Dispose();
        }
    }

    /// <summary>Loss and metric (MSE or accuracy) of the model on a split, in evaluation mode, without gradients.</summary>
    public (double Loss, double Metric) Evaluate(TrainingSplit split)
    {
        _model.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = Predictor.Forward(_model, split.X);
        if (split.IsClassification)
        {
            double loss = nn.functional.cross_entropy(output, split.Y).item<float>();
            double accuracy = output.argmax(1).eq(split.Y).to(ScalarType.Float64).mean().item<double>();
            return (loss, accuracy);
        }
        double mse = nn.functional.mse_loss(output, split.Y).item<float>();
        return (mse, mse);
    }

    private (double MeanLoss, string? Divergence) RunEpoch(TrainingSplit train, IStepOptimizer optimizer,
        List<TorchSharp.Modules.Parameter> parameters, int epoch, int solveBatch, LossBurstDetector bursts)
    {
        int batch = _options.Method == TrainingMethod.Gradient ? _options.BatchSize : solveBatch;
        int[] order = Permutation(train.Count, _options.Seed, epoch);
        int batches = (train.Count + batch - 1) / batch;
        double sum = 0;
        for (int b = 0; b < batches; b++)
        {
            int start = b * batch, count = Math.Min(batch, train.Count - start);
            double loss;
            using (var scope = torch.NewDisposeScope())
            {
                var index = torch.tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                var x = train.X.index_select(0, index);
                var y = train.Y.index_select(0, index);
                optimizer.ZeroGrad();
                Tensor lossTensor;
                try
                {
                    lossTensor = StepLoss(x, y);
                }
                catch (ArgumentException) when (!ParameterSnapshot.AllFinite(_model))
                {
                    // The layer rejects NaN embeddings; with NaN parameters that is divergence, not bad input.
                    return (double.NaN, $"parameters became NaN/Inf before epoch {epoch}, batch {b + 1}");
                }
                loss = lossTensor.item<float>();
                if (!double.IsFinite(loss)) return (double.NaN, $"batch loss is {loss} in epoch {epoch}, batch {b + 1}");
                lossTensor.backward();
                if (epoch <= _options.FrozenEncoderEpochs)
                    foreach (var p in _model.EncoderParameters()) p.grad?.zero_(); // zero gradients: Adam's moments stay 0, no step
                if (_options.GradientClipNorm is double clip) nn.utils.clip_grad_norm_(parameters, clip);
                optimizer.Step();
            }
            bursts.Observe(loss);
            if (bursts.InBurst && bursts.BurstLength > 5 * batches)
                return (double.NaN, $"loss burst in epoch {epoch} did not recover within {5 * batches} batches (loss {loss:G4})");
            sum += loss;
            foreach (var callback in Callbacks) callback.OnBatchEnd(epoch, b + 1, batches, loss);
        }
        return (sum / batches, null);
    }

    // The loss of one step; for LS/ILS also writes the solved coefficients into the layer.
    private Tensor StepLoss(Tensor x, Tensor y)
    {
        if (_options.Method == TrainingMethod.Gradient)
        {
            var output = _model.forward(x);
            return _model.Config.Task == NsgTask.Classification
                ? nn.functional.cross_entropy(output, y)
                : nn.functional.mse_loss(output, y);
        }
        var h = _model.Embed(x);
        var k = _model.Layer.BasisMatrix(h);
        // The CG start must not alias the coefficients: they are overwritten in place below, before backward.
        var c = _options.Method == TrainingMethod.LeastSquares
            ? RidgeSolver.Solve(k, y, _options.Lambda)
            : RidgeSolver.ConjugateGradient(k, y, _model.Layer.Coefficients.detach().clone(), _options.Lambda, _options.IlsIterations);
        using (torch.no_grad()) _model.Layer.Coefficients.copy_(c.detach());
        return nn.functional.mse_loss(k.matmul(c), y);
    }

    // LS evaluates with coefficients solved on all training embeddings (the mini-batch solves only drive the encoder).
    private void RefitCoefficients(TrainingSplit train)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _model.eval();
        long g = _model.Grid.PointCount;
        int outputs = _model.Config.Outputs;
        var normal = torch.zeros(g, g, dtype: ScalarType.Float64);
        var rhs = torch.zeros(g, outputs, dtype: ScalarType.Float64);
        const int chunk = 4096;
        for (int start = 0; start < train.Count; start += chunk)
        {
            using var inner = torch.NewDisposeScope();
            int count = Math.Min(chunk, train.Count - start);
            var k = _model.Layer.BasisMatrix(_model.Embed(train.X.narrow(0, start, count))).to(ScalarType.Float64);
            normal.add_(k.t().matmul(k));
            rhs.add_(k.t().matmul(train.Y.narrow(0, start, count).to(ScalarType.Float64)));
        }
        normal.add_(torch.eye(g, dtype: ScalarType.Float64) * Math.Max(_options.Lambda, 1e-10));
        var c = torch.linalg.solve(normal, rhs);
        _model.Layer.Coefficients.copy_(c.to(_model.Layer.Coefficients.dtype));
        _model.train();
    }

    private int SolveBatchSize(int rows)
    {
        int wanted = _options.SolveBatchSize ?? Math.Max(_options.BatchSize, (int)Math.Min(int.MaxValue / 2, Math.Max(256, 2 * _model.Grid.PointCount)));
        return Math.Min(wanted, rows);
    }

    // Two parameter groups for the gradient method: the encoder at the learning rate, the coefficients at
    // CoefficientLearningRateScale times it. LS/ILS optimise the encoder only.
    private IStepOptimizer CreateOptimizer(List<TorchSharp.Modules.Parameter> parameters)
    {
        var coefficients = _options.Method == TrainingMethod.Gradient && _model.Config.Head == HeadKind.SparseGrid
            ? new List<TorchSharp.Modules.Parameter> { _model.Layer.Coefficients } : [];
        var encoder = parameters.Where(p => !coefficients.Contains(p)).ToList();
        double lr = _options.LearningRate, scale = _options.CoefficientLearningRateScale;
        var groups = new List<(IReadOnlyList<TorchSharp.Modules.Parameter>, double)> { (encoder, 1.0) };
        if (coefficients.Count > 0) groups.Add((coefficients, scale));
        if (_options.Optimizer == OptimizerKind.Adam && _options.FusedOptimizer && FusedAdam.Supports(parameters))
            return new FusedAdam(groups, lr);
        double[] scales = groups.Select(g => g.Item2).ToArray();
        optim.Optimizer inner = _options.Optimizer switch
        {
            OptimizerKind.Sgd => coefficients.Count > 0
                ? optim.SGD([new SGD.ParamGroup(encoder, lr, momentum: _options.Momentum), new SGD.ParamGroup(coefficients, lr * scale, momentum: _options.Momentum)], lr)
                : optim.SGD(encoder, lr, momentum: _options.Momentum),
            _ => coefficients.Count > 0
                ? optim.Adam([new Adam.ParamGroup(encoder, lr), new Adam.ParamGroup(coefficients, lr * scale)], lr)
                : optim.Adam(encoder, lr),
        };
        return new TorchOptimizer(inner, scales);
    }

    private double LearningRateAt(int epoch)
    {
        double lr = _options.LearningRate;
        double progress = (epoch - 1) / (double)Math.Max(_options.Epochs - 1, 1);
        return _options.Schedule switch
        {
            LearningRateSchedule.Cosine => lr * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * progress))),
            LearningRateSchedule.Step => lr * Math.Pow(0.5, Math.Floor((epoch - 1) / Math.Max(_options.Epochs / 4.0, 1))),
            _ => lr,
        };
    }

    /// <summary>The batch order of an epoch: a Fisher-Yates shuffle seeded by (seed, epoch).</summary>
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var random = new Random(unchecked(seed * 1_000_003 + epoch * 7919));
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        return order;
    }

    private void SaveCheckpoint(string dir, IStepOptimizer optimizer, int epoch, List<EpochReport> history, int bestEpoch,
        double bestLoss, int bursts, Dictionary<string, Tensor>? best)
    {
        Directory.CreateDirectory(dir);
        Checkpoint.SaveModule(dir, Checkpoint.ModelFile, _model);
        AtomicFile.Write(Path.Combine(dir, Checkpoint.OptimizerFile), optimizer.Save);
        if (best != null && bestEpoch == epoch) Checkpoint.SaveModule(dir, Checkpoint.BestFile, _model);
        Checkpoint.WriteState(dir, new TrainerState
        {
            Model = _model.Config,
            Options = _options,
            Epoch = epoch,
            History = [.. history],
            BestEpoch = bestEpoch,
            BestValidationLoss = bestLoss,
            Bursts = bursts,
            Metadata = new(Metadata),
        });
    }

    private void CheckSplit(TrainingSplit split, string what)
    {
        if (split.Count == 0) throw new ArgumentException($"The {what} split is empty.");
        if (split.X.shape[1] != _model.Config.Inputs && _model.Config.Encoder == EncoderKind.Mlp)
            throw new ArgumentException($"The {what} split has {split.X.shape[1]} features but the model expects {_model.Config.Inputs}.");
        bool classification = _model.Config.Task == NsgTask.Classification;
        if (classification != split.IsClassification)
            throw new ArgumentException($"The {what} split holds {(split.IsClassification ? "class labels" : "regression targets")} but the model is for {_model.Config.Task}.");
        if (!classification && split.Y.shape[1] != _model.Config.Outputs)
            throw new ArgumentException($"The {what} split has {split.Y.shape[1]} target columns but the model has {_model.Config.Outputs} outputs.");
    }

    private static bool SameModel(NsgModelConfig a, NsgModelConfig b) =>
        a with { HiddenLayers = [] } == b with { HiddenLayers = [] } && a.HiddenLayers.SequenceEqual(b.HiddenLayers);
}
