using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// Records the embeddings of a fixed, seeded subsample of the training rows at chosen epochs into an
/// <see cref="EmbeddingSnapshots"/> collector (thesis Figs. 3.21, 3.25-3.27). The subsample is drawn once, so every
/// snapshot follows the same points; only those rows are embedded, in evaluation mode and without gradients.
/// </summary>
public sealed class EmbeddingSnapshotCallback : ITrainingCallback, IDisposable
{
    /// <summary>Epochs recorded by default (besides the last one): 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000.</summary>
    public static readonly IReadOnlyList<int> DefaultEpochs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    private readonly Tensor _x;
    private readonly int[]? _labels;
    private readonly double[]? _targets;
    private readonly HashSet<int> _epochs;

    /// <summary>Creates the callback.</summary>
    /// <param name="train">Training split: X (rows, inputs); Y (rows) labels or (rows, outputs) targets (the first output colours the points).</param>
    /// <param name="epochs">1-based epochs to record; null: <see cref="DefaultEpochs"/>.</param>
    /// <param name="lastEpoch">Also record this epoch (the run's last; 0: none).</param>
    /// <param name="maxPoints">Size of the subsample (&gt;= 1).</param>
    /// <param name="seed">Seed of the subsample.</param>
    public EmbeddingSnapshotCallback(TrainingSplit train, IEnumerable<int>? epochs = null, int lastEpoch = 0, int maxPoints = 2000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (maxPoints < 1) throw new ArgumentOutOfRangeException(nameof(maxPoints), maxPoints, "Keep at least one point.");
        _epochs = new HashSet<int>(epochs ?? DefaultEpochs);
        if (lastEpoch > 0) _epochs.Add(lastEpoch);
        Rows = Subsample(train.Count, maxPoints, seed);
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(Rows.Select(r => (long)r).ToArray());
        _x = train.X.index_select(0, index).DetachFromDisposeScope();
        if (train.IsClassification)
            _labels = train.Y.index_select(0, index).data<long>().ToArray().Select(l => (int)l).ToArray();
        else
            _targets = train.Y.index_select(0, index).select(1, 0).to(ScalarType.Float64).data<double>().ToArray();
        Snapshots = new EmbeddingSnapshots(Math.Max(1, Rows.Length), seed);
    }

    /// <summary>The recorded snapshots, labelled "epoch N".</summary>
    public EmbeddingSnapshots Snapshots { get; }

    /// <summary>The training rows followed (ascending).</summary>
    public int[] Rows { get; }

    /// <summary>Class labels of the followed rows (classification), else null.</summary>
    public int[]? Labels => _labels;

    /// <summary>First regression target of the followed rows (regression), else null.</summary>
    public double[]? Targets => _targets;

    /// <inheritdoc />
    public void OnEpochEnd(NeuralSparseGrid model, EpochReport report)
    {
        if (!_epochs.Contains(report.Epoch) || Rows.Length == 0) return;
        Record(model, $"epoch {report.Epoch}");
    }

    /// <summary>Records the current embeddings of the followed rows under <paramref name="label"/>.</summary>
    public EmbeddingSnapshot Record(NeuralSparseGrid model, string label)
    {
        var h = Embed(model);
        int d = model.Config.Latent;
        return Snapshots.Add(label, h, h.Length / d, d, _labels, _targets);
    }

    /// <summary>Current embeddings of the followed rows, (rows, latent) row-major; the model's mode is kept.</summary>
    public float[] Embed(NeuralSparseGrid model)
    {
        bool training = model.training;
        model.eval();
        try
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            return Predictor.Embed(model, _x).to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        finally
        {
            if (training) model.train();
        }
    }

    /// <summary>Seeded uniform choice of min(count, max) of <paramref name="count"/> rows, ascending.</summary>
    public static int[] Subsample(int count, int max, int seed)
    {
        if (count <= max) return Enumerable.Range(0, count).ToArray();
        var all = Enumerable.Range(0, count).ToArray();
        var rng = new Random(seed);
        for (int i = 0; i < max; i++)
        {
            int j = rng.Next(i, count);
            (all[i], all[j]) = (all[j], all[i]);
        }
        var subset = all[..max];
        Array.Sort(subset);
        return subset;
    }

    /// <inheritdoc />
    public void Dispose() => _x.Dispose();
}
