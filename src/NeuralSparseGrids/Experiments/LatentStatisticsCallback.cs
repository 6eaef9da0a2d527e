using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Experiments;

/// <summary>Latent statistics of the training embeddings after one epoch (only doubles are kept).</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Diameter">Largest pairwise distance (exact up to <see cref="LatentStatistics.ExactDiameterLimit"/> points, else a lower bound).</param>
/// <param name="BoundingBoxDiagonal">Diagonal of the bounding box (an upper bound of the diameter).</param>
/// <param name="Min">Per-dimension minimum.</param>
/// <param name="Max">Per-dimension maximum.</param>
/// <param name="VisitedFraction">Fraction of the level-n cells of [0,1]^d holding an embedding (n: the grid level).</param>
public sealed record LatentEpochStatistics(int Epoch, double Diameter, double BoundingBoxDiagonal, double[] Min, double[] Max, double VisitedFraction);

/// <summary>
/// Training callback computing <see cref="LatentStatistics"/> of the training embeddings every <see cref="Every"/>
/// epochs (bounding box, diameter, fraction of grid cells visited; thesis Sec. 3.5.2, "embeddings grow until
/// convergence"). Embeddings are computed without gradients on at most <see cref="MaxRows"/> training rows (the first ones).
/// </summary>
public sealed class LatentStatisticsCallback : ITrainingCallback
{
    private Tensor? _x;

    /// <summary>Creates the callback.</summary>
    /// <param name="every">Compute after every this many epochs (and always after epoch 1).</param>
    /// <param name="maxRows">Most training rows embedded per computation.</param>
    public LatentStatisticsCallback(int every = 1, int maxRows = 4000)
    {
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "Must be at least 1.");
        if (maxRows < 1) throw new ArgumentOutOfRangeException(nameof(maxRows), maxRows, "Must be at least 1.");
        Every = every;
        MaxRows = maxRows;
    }

    /// <summary>Epoch stride.</summary>
    public int Every { get; }

    /// <summary>Most training rows embedded.</summary>
    public int MaxRows { get; }

    /// <summary>The statistics recorded so far, in epoch order.</summary>
    public List<LatentEpochStatistics> History { get; } = [];

    /// <inheritdoc />
    public void OnFitStart(NeuralSparseGrid model, TrainingSplit train) => _x = train.X;

    /// <inheritdoc />
    public void OnEpochEnd(NeuralSparseGrid model, EpochReport report)
    {
        if (_x is null || (report.Epoch != 1 && report.Epoch % Every != 0)) return;
        History.Add(Compute(model, _x, report.Epoch, MaxRows));
    }

    /// <summary>Statistics of <paramref name="model"/>'s embeddings of (up to <paramref name="maxRows"/> rows of) <paramref name="x"/>.</summary>
    public static LatentEpochStatistics Compute(NeuralSparseGrid model, Tensor x, int epoch, int maxRows = 4000)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        bool training = model.training;
        model.eval();
        long rows = Math.Min(x.shape[0], maxRows);
        var h = Predictor.Embed(model, x.narrow(0, 0, rows)).to(ScalarType.Float64).contiguous();
        if (training) model.train();
        var stats = LatentStatistics.Compute(h.data<double>().ToArray(), (int)rows, model.Config.Latent, model.Grid);
        return new LatentEpochStatistics(epoch, stats.Diameter, stats.BoundingBoxDiagonal, stats.Min, stats.Max, stats.Cells?.VisitedFraction ?? double.NaN);
    }
}
