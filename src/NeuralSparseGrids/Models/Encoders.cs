using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>Builds the encoder a <see cref="NsgModelConfig"/> asks for.</summary>
public static class Encoders
{
    /// <summary>(batch, inputs) -> (batch, latent) encoder for <paramref name="config"/>, initialised from <paramref name="seed"/>.</summary>
    public static nn.Module<Tensor, Tensor> Create(NsgModelConfig config, long seed) => config.Encoder switch
    {
        EncoderKind.Cnn => new CnnEncoder(config.Latent, config.CnnWidth, inputChannels: 1, seed),
        _ => new MlpEncoder([config.Inputs, .. config.HiddenLayers, config.Latent], config.Activation, seed, config.LatentInitGain),
    };
}
