using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>Batched inference helpers.</summary>
public static class Predictor
{
    /// <summary>Model outputs for all rows, in chunks: (rows, inputs) -> (rows, outputs). Call under no_grad.</summary>
    public static Tensor Forward(NeuralSparseGrid model, Tensor x, int chunk = 4096) => InChunks(model.forward, x, chunk);

    /// <summary>Embeddings for all rows, in chunks: (rows, inputs) -> (rows, latent). Call under no_grad.</summary>
    public static Tensor Embed(NeuralSparseGrid model, Tensor x, int chunk = 4096) => InChunks(model.Embed, x, chunk);

    // Applies f to row chunks and concatenates, so a large split never builds one huge activation at once.
    private static Tensor InChunks(Func<Tensor, Tensor> f, Tensor x, int chunk)
    {
        if (x.shape[0] <= chunk) return f(x);
        using var scope = torch.NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += chunk)
            parts.Add(f(x.narrow(0, start, Math.Min(chunk, x.shape[0] - start))));
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
