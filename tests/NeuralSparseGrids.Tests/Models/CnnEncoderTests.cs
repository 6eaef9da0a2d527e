using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Models;

[Collection("Torch")]
public class CnnEncoderTests
{
    private readonly ITestOutputHelper _output;

    public CnnEncoderTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.EnsureLoaded();
    }

    [Fact]
    public void DefaultWidthHasAboutThreeHundredThousandParameters()
    {
        using var encoder = new CnnEncoder(latent: 8, seed: 1);
        long count = encoder.ParameterCount;
        _output.WriteLine($"CnnEncoder(latent 8, width {CnnEncoder.DefaultWidth}): {count:N0} parameters");
        Assert.InRange(count, 250_000, 350_000);
    }

    [Fact]
    public void MapsImagesAndFlattenedImagesToTheLatentSpace()
    {
        using var encoder = new CnnEncoder(latent: 3, width: 4, seed: 2);
        encoder.eval();
        using var images = torch.rand(new long[] { 5, 1, 28, 28 }, generator: new Generator(3));
        using var a = encoder.forward(images);
        using var flat = images.reshape(5, 784);
        using var b = encoder.forward(flat);
        Assert.Equal(new long[] { 5, 3 }, a.shape);
        Assert.True(a.allclose(b));
    }

    [Fact]
    public void SameSeedGivesSameWeights()
    {
        using var e1 = new CnnEncoder(latent: 2, width: 4, seed: 9);
        using var e2 = new CnnEncoder(latent: 2, width: 4, seed: 9);
        using var e3 = new CnnEncoder(latent: 2, width: 4, seed: 10);
        var p1 = e1.parameters().ToList();
        var p2 = e2.parameters().ToList();
        var p3 = e3.parameters().ToList();
        Assert.All(p1.Zip(p2), pair => Assert.True(pair.First.allclose(pair.Second, 0, 0)));
        Assert.Contains(p1.Zip(p3), pair => !pair.First.allclose(pair.Second, 0, 0));
    }

    [Fact]
    public void GradientsReachTheStem()
    {
        using var encoder = new CnnEncoder(latent: 2, width: 4, seed: 4);
        using var x = torch.rand(new long[] { 4, 1, 12, 12 }, generator: new Generator(5));
        using var y = encoder.forward(x);
        using var loss = y.pow(2).sum();
        loss.backward();
        var first = encoder.parameters().First();
        Assert.NotNull(first.grad);
        Assert.True(first.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void RejectsWrongShapes()
    {
        using var encoder = new CnnEncoder(latent: 2, width: 2, seed: 0);
        using var notSquare = torch.zeros(2, 10);
        var e = Assert.Throws<ArgumentException>(() => encoder.forward(notSquare));
        Assert.Contains("square", e.Message);
        using var threeChannels = torch.zeros(2, 3, 8, 8);
        Assert.Throws<ArgumentException>(() => encoder.forward(threeChannels));
    }
}
