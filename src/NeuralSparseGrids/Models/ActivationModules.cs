using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>Builds the TorchSharp module of an <see cref="Activation"/>.</summary>
public static class ActivationModules
{
    /// <summary>A parameter-free module applying <paramref name="activation"/> element-wise; any shape in, same shape out.</summary>
    public static nn.Module<Tensor, Tensor> Create(Activation activation) => activation switch
    {
        Activation.ReLU => nn.ReLU(),
        Activation.Tanh => nn.Tanh(),
        Activation.Sigmoid => nn.Sigmoid(),
        Activation.LeakyReLU => nn.LeakyReLU(0.01),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
