using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>The foundation's promises: libtorch loads, a small MLP learns, and dispose scopes keep memory flat.</summary>
[Collection("Torch")]
public class TorchBasicsTests
{
    public TorchBasicsTests() => TorchRuntime.EnsureLoaded();

    private static (Tensor x, Tensor y) Data()
    {
        var g = new torch.Generator(7);
        var x = torch.rand(new long[] { 256, 3 }, generator: g);
        var y = (x[.., 0] * 2 - x[.., 1]).sin().unsqueeze(1) + x[.., 2..3].pow(2);
        return (x, y);
    }

    private static nn.Module<Tensor, Tensor> Mlp()
    {
        torch.manual_seed(3);
        return nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1));
    }

    [Fact]
    public void AdamLowersTheLossOfASmallMlp()
    {
        var (x, y) = Data();
        using var model = Mlp();
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        var losses = new List<double>();
        for (int step = 0; step < 50; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(losses[^1] < 0.5 * losses[0], $"loss went from {losses[0]} to {losses[^1]}");
        x.Dispose(); y.Dispose();
    }

    [Fact]
    public void LiveTensorCountStaysFlatWithOneScopePerStep()
    {
        var (x, y) = Data();
        using var model = Mlp();
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        var stats = DisposeScopeManager.Statistics;
        long LiveNow() => stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - stats.DisposedInScopeCount - stats.DisposedOutsideScopeCount;

        void Step()
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x), y);
            loss.backward();
            optimizer.step();
            _ = loss.item<float>();
        }

        for (int i = 0; i < 5; i++) Step(); // optimizer state and gradients are created in the first steps
        long before = LiveNow();
        for (int i = 0; i < 50; i++) Step();
        long after = LiveNow();
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after} over 50 steps");
        x.Dispose(); y.Dispose();
    }
}
