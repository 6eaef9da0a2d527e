using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;

namespace NeuralSparseGrids.Tests.Models;

[Collection("Torch")]
public class EqualParameterHeadTests
{
    public EqualParameterHeadTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(2, 5, 1)]    // swiss roll style: d = 2, one output
    [InlineData(2, 4, 2)]    // two moons
    [InlineData(8, 4, 10)]   // MNIST CNN-SG
    [InlineData(8, 7, 10)]
    [InlineData(3, 6, 3)]
    public void HiddenNeuronsFollowsEquation327(int dim, int level, int outputs)
    {
        long m = GridSize.Points(dim, level, GridType.Linear);
        int n = EqualParameterHead.HiddenNeurons(m, dim, outputs);
        double exact = (m * (double)outputs - outputs) / (dim + outputs + 1);
        Assert.Equal((int)Math.Round(exact, MidpointRounding.AwayFromZero), n);
        long dense = EqualParameterHead.ParameterCount(dim, n, outputs);
        Assert.True(Math.Abs(dense - m * outputs) <= (dim + outputs + 1) / 2.0,
            $"dense {dense} vs grid {m * outputs}: off by more than half a neuron ({dim + outputs + 1} parameters)");
    }

    [Fact]
    public void KnownValue()
    {
        // m = 49 (d = 2, n = 4), p = 2: (98 - 2) / 5 = 19.2 -> 19.
        Assert.Equal(19, EqualParameterHead.HiddenNeurons(49, 2, 2));
        // Tiny grids still get one neuron.
        Assert.Equal(1, EqualParameterHead.HiddenNeurons(1, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EqualParameterHead.HiddenNeurons(0, 2, 1));
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    public void ModuleHasTheCountedParametersAndShapes(Activation activation)
    {
        using var head = new EqualParameterHead(gridPoints: 49, dim: 2, outputs: 2, activation, seed: 3);
        Assert.Equal(19, head.Hidden);
        Assert.Equal(EqualParameterHead.ParameterCount(2, 19, 2), head.parameters().Sum(p => p.numel()));
        using var x = torch.rand(new long[] { 6, 2 }, generator: new torch.Generator(1));
        using var y = head.forward(x);
        Assert.Equal(new long[] { 6, 2 }, y.shape);
    }
}
