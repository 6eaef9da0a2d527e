using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Models;

[Collection("Torch")]
public class MlpEncoderTests
{
    public MlpEncoderTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.LeakyReLU)]
    public void MapsFeaturesToLatentWithTheThesisShape(Activation activation)
    {
        using var encoder = new MlpEncoder(new[] { 3, 25, 25, 2 }, activation, seed: 1);
        using var x = torch.rand(new long[] { 7, 3 }, generator: new Generator(2));
        using var h = encoder.forward(x);
        Assert.Equal(new long[] { 7, 2 }, h.shape);
        Assert.Equal(3 * 25 + 25 + 25 * 25 + 25 + 25 * 2 + 2, encoder.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void LastLayerHasNoActivation()
    {
        // With sigmoid hidden layers a raw last Linear still produces negative and > 1 values for large weights;
        // check structurally: the module list ends with a Linear.
        using var encoder = new MlpEncoder(new[] { 2, 4, 3 }, Activation.Sigmoid, seed: 1);
        var names = encoder.named_modules().Select(m => m.name).Where(n => n.Length > 0).ToList();
        Assert.EndsWith("linear1", names[^1]);
        Assert.Single(names, n => n.EndsWith("act0"));
    }

    [Fact]
    public void OutputGainScalesTheInitialLatentLinearly()
    {
        // The last layer is Linear, so scaling its weights and bias by G scales the raw latent by exactly G.
        using var plain = new MlpEncoder(new[] { 3, 25, 25, 2 }, Activation.ReLU, seed: 4);
        using var spread = new MlpEncoder(new[] { 3, 25, 25, 2 }, Activation.ReLU, seed: 4, outputGain: 5);
        using var x = torch.rand(new long[] { 50, 3 }, generator: new Generator(3));
        using var a = plain.forward(x);
        using var b = spread.forward(x);
        Assert.True(torch.allclose(a * 5, b, rtol: 1e-5, atol: 1e-6), "gain 5 should give 5x the latent");
        Assert.Throws<ArgumentException>(() => new NsgModelConfig { Encoder = new MlpEncoderConfig { LatentInitGain = 0 } }.Validate());
    }

    [Fact]
    public void SameSeedSameOutput()
    {
        using var a = new MlpEncoder(new[] { 3, 5, 2 }, seed: 11);
        using var b = new MlpEncoder(new[] { 3, 5, 2 }, seed: 11);
        using var x = torch.rand(new long[] { 4, 3 }, generator: new Generator(1));
        using var ya = a.forward(x);
        using var yb = b.forward(x);
        Assert.True(ya.allclose(yb, 0, 0));
    }

    [Fact]
    public void RejectsBadSizesAndInputs()
    {
        Assert.Throws<ArgumentException>(() => new MlpEncoder(new[] { 3 }));
        Assert.Throws<ArgumentException>(() => new MlpEncoder(new[] { 3, 0, 2 }));
        using var encoder = new MlpEncoder(new[] { 3, 4, 2 });
        using var wrong = torch.zeros(2, 4);
        var e = Assert.Throws<ArgumentException>(() => encoder.forward(wrong));
        Assert.Contains("(batch, 3)", e.Message);
    }
}
