using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>
/// How far a batch's embeddings are from filling the box: per latent dimension, the squared 1-D Wasserstein-2
/// distance between the batch's empirical distribution and the uniform distribution on [low, high], averaged over
/// the dimensions. For sorted values h_(1) &lt;= ... &lt;= h_(B) it is (1/B) sum_k (h_(k) - q_k)^2 with the uniform
/// quantiles q_k = low + (high - low)(k - 1/2)/B: zero exactly when the batch sits on the uniform quantiles, and its
/// gradient moves every embedding toward the quantile of its rank, so the encoder spreads the embeddings over the box
/// (more grid points activated) while the task loss keeps their order meaningful.
/// </summary>
public static class SpreadPenalty
{
    /// <summary>The penalty of embeddings <paramref name="h"/> (batch, d): a scalar, differentiable with respect to h.</summary>
    public static Tensor Of(Tensor h, double low = 0, double high = 1)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.dim() != 2) throw new ArgumentException($"Embeddings must have shape (batch, d), got ({string.Join(", ", h.shape)}).", nameof(h));
        if (!(high > low)) throw new ArgumentException($"The range [{low}, {high}] is empty.");
        using var scope = NewDisposeScope();
        long batch = h.shape[0];
        var (sorted, _) = h.sort(0);
        var quantiles = (arange(batch, h.dtype, h.device) + 0.5) * ((high - low) / batch) + low;
        return (sorted - quantiles.unsqueeze(1)).square().mean().MoveToOuterDisposeScope();
    }
}
