using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Models;

/// <summary>Builds the encoder a <see cref="NsgModelConfig"/> asks for.</summary>
public static class Encoders
{
    /// <summary>(batch, inputs) -> (batch, latent) encoder for <paramref name="config"/>, initialised from <paramref name="seed"/>.</summary>
    public static nn.Module<Tensor, Tensor> Create(NsgModelConfig config, long seed) => config.Encoder switch
    {
        CnnEncoderConfig cnn => new CnnEncoder(config.Latent, cnn.Width, inputChannels: 1, seed),
        MlpEncoderConfig mlp => new MlpEncoder([config.Inputs, .. mlp.HiddenLayers, config.Latent], mlp.Activation, seed, mlp.LatentInitGain),
        _ => throw new ArgumentException($"Unknown encoder configuration {config.Encoder.GetType().Name}.", nameof(config)),
    };
}
