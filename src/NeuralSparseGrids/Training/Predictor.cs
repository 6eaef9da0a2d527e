using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>Batched inference helpers.</summary>
public static class Predictor
{
    /// <summary>Model outputs for all rows, in chunks: (rows, inputs) -> (rows, outputs). Call under no_grad.</summary>
    public static Tensor Forward(NeuralSparseGrid model, Tensor x, int chunk = 4096)
    {
        if (x.shape[0] <= chunk) return model.forward(x);
        using var scope = torch.NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += chunk)
            parts.Add(model.forward(x.narrow(0, start, Math.Min(chunk, x.shape[0] - start))));
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Embeddings for all rows, in chunks: (rows, inputs) -> (rows, latent). Call under no_grad.</summary>
    public static Tensor Embed(NeuralSparseGrid model, Tensor x, int chunk = 4096)
    {
        if (x.shape[0] <= chunk) return model.Embed(x);
        using var scope = torch.NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += chunk)
            parts.Add(model.Embed(x.narrow(0, start, Math.Min(chunk, x.shape[0] - start))));
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }
}
