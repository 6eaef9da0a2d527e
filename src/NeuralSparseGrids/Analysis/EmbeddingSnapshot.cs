namespace NeuralSparseGrids.Analysis;

/// <summary>Embeddings recorded at one point of training (an epoch or iteration), for plots over time (thesis Figs. 3.25-3.27).</summary>
/// <param name="Label">Caption, e.g. "epoch 3" or "iteration 100".</param>
/// <param name="Dim">Latent dimension d.</param>
/// <param name="Embeddings">Row-major (Count, d) embeddings.</param>
/// <param name="ClassLabels">Class of each stored embedding (length Count), or null.</param>
/// <param name="Targets">Regression target of each stored embedding (length Count), or null.</param>
/// <param name="SourceCount">Number of embeddings offered before subsampling.</param>
public sealed record EmbeddingSnapshot(string Label, int Dim, float[] Embeddings, int[]? ClassLabels, double[]? Targets, int SourceCount)
{
    /// <summary>Number of stored embeddings.</summary>
    public int Count => Embeddings.Length / Dim;
}
