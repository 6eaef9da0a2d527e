using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>Builds the encoder a <see cref="NsgModelConfig"/> asks for.</summary>
public static class Encoders
{
    /// <summary>(batch, inputs) -> (batch, latent) encoder for <paramref name="config"/>, initialised from <paramref name="seed"/>.</summary>
    public static nn.Module<Tensor, Tensor> Create(NsgModelConfig config, long seed)
    {
        torch.manual_seed(seed);
        if (config.Encoder == EncoderKind.Cnn)
            throw new NotSupportedException("CNN encoders are not available yet.");
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int width = config.Inputs;
        foreach (int hidden in config.HiddenLayers)
        {
            layers.Add(nn.Linear(width, hidden));
            layers.Add(config.Activation switch
            {
                EncoderActivation.Tanh => nn.Tanh(),
                EncoderActivation.Sigmoid => nn.Sigmoid(),
                EncoderActivation.LeakyReLU => nn.LeakyReLU(0.01),
                _ => nn.ReLU(),
            });
            width = hidden;
        }
        layers.Add(nn.Linear(width, config.Latent));
        return nn.Sequential(layers);
    }
}
