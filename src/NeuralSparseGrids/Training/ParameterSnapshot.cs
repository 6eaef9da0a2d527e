using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Training;

/// <summary>Detached copies of a module's parameters and buffers, owned by the caller (dispose the dictionary's tensors).</summary>
internal static class ParameterSnapshot
{
    public static Dictionary<string, Tensor> Take(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    public static void Restore(nn.Module module, Dictionary<string, Tensor> snapshot)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in module.state_dict())
            if (snapshot.TryGetValue(name, out var saved)) tensor.copy_(saved);
    }

    public static bool AllFinite(nn.Module module)
    {
        using var scope = torch.NewDisposeScope();
        return module.parameters().All(p => torch.isfinite(p).all().item<bool>());
    }

    public static void Dispose(this Dictionary<string, Tensor> snapshot)
    {
        foreach (var t in snapshot.Values) t.Dispose();
        snapshot.Clear();
    }
}
