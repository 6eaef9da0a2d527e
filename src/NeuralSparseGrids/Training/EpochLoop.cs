using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>Where a loop stands between epochs: what a checkpoint stores and a resumed loop starts from.</summary>
public sealed class LoopState : IDisposable
{
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; set; }

    /// <summary>Per-epoch history so far.</summary>
    public List<EpochReport> History { get; init; } = [];

    /// <summary>Epoch with the lowest selection score so far (0: none).</summary>
    public int BestEpoch { get; set; }

    /// <summary>Lowest selection score so far (the validation loss, unless the loop selects otherwise).</summary>
    public double BestScore { get; set; } = double.PositiveInfinity;

    /// <summary>Parameters of <see cref="BestEpoch"/> (owned: disposed with the state).</summary>
    public Dictionary<string, Tensor>? Best { get; set; }

    /// <summary>Epochs since <see cref="BestEpoch"/>.</summary>
    public int EpochsSinceBest => History.Count > 0 ? History.Count - BestEpoch : 0;

    /// <inheritdoc />
    public void Dispose() => Best?.Dispose();
}

/// <summary>
/// The epoch loop every fit shares (<see cref="NsgTrainer"/>, NSG*'s coefficient fit): per-epoch seeded shuffles and
/// mini-batches, one dispose scope per step, validation, selection of the best epoch, the <see cref="StopCriteria"/>,
/// restore of the last good parameters on divergence and of the best ones at the end. What a step computes, how the
/// model is evaluated and what is checkpointed are parts handed in by the caller.
/// </summary>
public sealed class EpochLoop
{
    /// <summary>The module whose parameters are snapshotted (last good, best) and restored.</summary>
    public required nn.Module Module { get; init; }

    /// <summary>Optimizer of the trained parameters.</summary>
    public required IStepOptimizer Optimizer { get; init; }

    /// <summary>When to stop.</summary>
    public required StopCriteria Criteria { get; init; }

    /// <summary>Loss of one mini-batch x (batch, ...), y (batch, ...) as a scalar tensor to back-propagate.</summary>
    public required Func<Tensor, Tensor, Tensor> Loss { get; init; }

    /// <summary>
    /// Optional replacement of ZeroGrad, <see cref="Loss"/> and backward: the loss of the mini-batch of x, y rows given
    /// by the row indices, with every trained parameter's gradient overwritten (<see cref="FusedMlpStep"/>). Null: the
    /// loss through autograd.
    /// </summary>
    public Func<Tensor, Tensor, ArraySegment<int>, double>? GradientStep { get; init; }

    /// <summary>(Loss, metric) on the selection split after an epoch, in evaluation mode.</summary>
    public required Func<(double Loss, double Metric)> Evaluate { get; init; }

    /// <summary>Mini-batch size.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Seed of the batch order (<see cref="Permutation"/>).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Learning rate of an epoch (1-based); null: the optimizer's own.</summary>
    public Func<int, double>? LearningRate { get; init; }

    /// <summary>Runs at the start of each epoch (1-based), before its first batch (e.g. per-epoch loss weights).</summary>
    public Action<int>? EpochStarting { get; init; }

    /// <summary>
    /// Runs before each batch's <see cref="Loss"/> with the epoch and the training rows of the batch, in the order the
    /// loss receives them (e.g. to gather what the forward pass computes per row).
    /// </summary>
    public Action<int, ReadOnlyMemory<int>>? BatchStarting { get; init; }

    /// <summary>Runs between backward and the optimizer step (gradient freezing, clipping); gets the epoch.</summary>
    public Action<int>? AfterBackward { get; init; }

    /// <summary>Runs after an epoch's batches, before validation (e.g. the LS refit of the coefficients).</summary>
    public Action? AfterBatches { get; init; }

    /// <summary>Score to minimise when picking the best epoch, from (loss, metric); null: the loss.</summary>
    public Func<double, double, double>? SelectionScore { get; init; }

    /// <summary>Name of the split <see cref="Evaluate"/> uses, for divergence messages.</summary>
    public string EvaluatedOn { get; init; } = "validation";

    /// <summary>Restore the best epoch's parameters at the end.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>After each batch: (epoch, batch, batches per epoch, loss).</summary>
    public Action<int, int, int, double>? BatchEnded { get; init; }

    /// <summary>
    /// After a completed epoch when training goes on, before <see cref="EpochEnded"/>: may change the module's
    /// parameter set (grid adaptation), and must then bring the snapshots it is given (the state's best parameters
    /// and the loop's last good ones) to the new shapes. Gets the state and the last-good snapshot.
    /// </summary>
    public Action<LoopState, Dictionary<string, Tensor>>? ChangeParameters { get; init; }

    /// <summary>After each completed epoch, once the state holds it (checkpoints, callbacks).</summary>
    public Action<LoopState, EpochReport>? EpochEnded { get; init; }

    /// <summary>
    /// Trains on rows x, y from <paramref name="state"/> (fresh or resumed) until a criterion stops; the module then
    /// holds the best epoch's parameters (with <see cref="RestoreBest"/>) or the last good ones.
    /// </summary>
    /// <returns>The deciding criterion's verdict and the epoch whose parameters the module holds.</returns>
    public (StopDecision Decision, int EndEpoch) Run(Tensor x, Tensor y, LoopState state)
    {
        int rows = (int)x.shape[0];
        var decision = state.History.Count > 0 ? Criteria.AfterEpoch(Progress(state.History[^1], true, state.EpochsSinceBest)) : StopDecision.Continue;
        var lastGood = ParameterSnapshot.Take(Module);
        try
        {
            while (!decision.Stops)
            {
                int epoch = state.Epoch + 1;
                var watch = Stopwatch.StartNew();
                double lr = LearningRate?.Invoke(epoch) ?? double.NaN;
                if (LearningRate != null) Optimizer.SetLearningRate(lr);
                EpochStarting?.Invoke(epoch);
                Module.train();
                int burstsBefore = Criteria.Bursts?.Bursts ?? 0;
                (double trainLoss, decision) = RunEpoch(x, y, rows, epoch);
                double valLoss = double.NaN, valMetric = double.NaN;
                bool finite = true;
                if (!decision.Stops)
                {
                    AfterBatches?.Invoke();
                    finite = ParameterSnapshot.AllFinite(Module);
                    if (finite) (valLoss, valMetric) = Evaluate();
                    double score = SelectionScore?.Invoke(valLoss, valMetric) ?? valLoss;
                    bool improved = score < state.BestScore;
                    decision = Criteria.AfterEpoch(new EpochProgress(epoch, valLoss, finite, improved ? 0 : state.EpochsSinceBest + 1, EvaluatedOn, trainLoss));
                    if (!decision.IsDivergence)
                    {
                        var report = new EpochReport(epoch, trainLoss, valLoss, valMetric, lr, watch.Elapsed.TotalSeconds, (Criteria.Bursts?.Bursts ?? 0) - burstsBefore);
                        Record(state, report, improved, score, ref lastGood);
                        if (!decision.Stops) ChangeParameters?.Invoke(state, lastGood);
                        EpochEnded?.Invoke(state, report);
                        continue;
                    }
                }
                ParameterSnapshot.Restore(Module, lastGood);
            }
            int endEpoch = state.History.Count > 0 ? state.History[^1].Epoch : 0;
            if (RestoreBest && state.Best != null)
            {
                ParameterSnapshot.Restore(Module, state.Best);
                endEpoch = state.BestEpoch;
            }
            return (decision, endEpoch);
        }
        finally
        {
            lastGood.Dispose();
        }
    }

    private void Record(LoopState state, EpochReport report, bool improved, double score, ref Dictionary<string, Tensor> lastGood)
    {
        state.History.Add(report);
        state.Epoch = report.Epoch;
        lastGood.Dispose();
        lastGood = ParameterSnapshot.Take(Module);
        if (!improved) return;
        state.BestScore = score;
        state.BestEpoch = report.Epoch;
        state.Best?.Dispose();
        state.Best = ParameterSnapshot.Take(Module);
    }

    private EpochProgress Progress(EpochReport last, bool finite, int sinceBest) =>
        new(last.Epoch, last.ValidationLoss, finite, sinceBest, EvaluatedOn);

    private (double MeanLoss, StopDecision Decision) RunEpoch(Tensor x, Tensor y, int rows, int epoch)
    {
        int[] order = Permutation(rows, Seed, epoch);
        int batches = (rows + BatchSize - 1) / BatchSize;
        double sum = 0;
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize, count = Math.Min(BatchSize, rows - start);
            double loss;
            using (var scope = torch.NewDisposeScope())
            {
                Tensor? lossTensor = null;
                BatchStarting?.Invoke(epoch, order.AsMemory(start, count));
                try
                {
                    if (GradientStep != null) loss = GradientStep(x, y, new ArraySegment<int>(order, start, count));
                    else
                    {
                        var index = torch.tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                        Optimizer.ZeroGrad();
                        lossTensor = Loss(x.index_select(0, index), y.index_select(0, index));
                        loss = lossTensor.item<float>();
                    }
                }
                catch (ArgumentException) when (!ParameterSnapshot.AllFinite(Module))
                {
                    // The layer rejects NaN embeddings; with NaN parameters that is divergence, not bad input.
                    return (double.NaN, new(TrainingStatus.Diverged, $"parameters became NaN/Inf before epoch {epoch}, batch {b + 1}"));
                }
                var decision = Criteria.AfterBatch(new BatchProgress(epoch, b + 1, batches, loss));
                if (decision.Stops) return (double.NaN, decision);
                lossTensor?.backward();
                AfterBackward?.Invoke(epoch);
                Optimizer.Step();
            }
            sum += loss;
            BatchEnded?.Invoke(epoch, b + 1, batches, loss);
        }
        return (sum / batches, StopDecision.Continue);
    }

    /// <summary>The batch order of an epoch: a Fisher-Yates shuffle seeded by (seed, epoch).</summary>
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var random = new Random(unchecked(seed * 1_000_003 + epoch * 7919));
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        return order;
    }
}
