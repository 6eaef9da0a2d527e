using NeuralSparseGrids.Native;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Training;

[Collection("Torch")]
public sealed class FusedAdamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nsg-adam").FullName;

    public FusedAdamTests() => TorchRuntime.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static nn.Module<Tensor, Tensor> Net(ScalarType dtype)
    {
        torch.manual_seed(11);
        var net = nn.Sequential(nn.Linear(3, 7), nn.Tanh(), nn.Linear(7, 2));
        net.to(dtype);
        return net;
    }

    private static void Train(nn.Module<Tensor, Tensor> net, Action zero, Action step, ScalarType dtype, int steps)
    {
        var gen = new torch.Generator(3);
        var x = torch.rand(new long[] { 32, 3 }, dtype: dtype, generator: gen);
        var y = torch.rand(new long[] { 32, 2 }, dtype: dtype, generator: gen);
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            zero();
            nn.functional.mse_loss(net.forward(x), y).backward();
            step();
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64, 1e-12)]
    [InlineData(ScalarType.Float32, 1e-5)]
    public void FollowsTorchAdamStepForStep(ScalarType dtype, double tolerance)
    {
        using var reference = Net(dtype);
        using var fusedNet = Net(dtype);
        var torchAdam = torch.optim.Adam(reference.parameters(), 0.01);
        using var fused = new FusedAdam([(fusedNet.parameters().ToList(), 1.0)], 0.01);
        Train(reference, () => torchAdam.zero_grad(), () => torchAdam.step(), dtype, 25);
        Train(fusedNet, fused.ZeroGrad, fused.Step, dtype, 25);
        foreach (var (a, b) in reference.parameters().Zip(fusedNet.parameters()))
            Assert.True((a - b).abs().max().to(ScalarType.Float64).item<double>() < tolerance, $"parameters differ by {(a - b).abs().max().to(ScalarType.Float64).item<double>()}");
    }

    [Fact]
    public unsafe void VectorUpdateGivesTheScalarLoopsBits()
    {
        // 37 elements: full vectors and a scalar tail in both dtypes; 5 steps so the moments are non-trivial.
        var random = new Random(4);
        const int n = 37;
        float[] Draw() => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] p = Draw(), m = new float[n], v = new float[n];
        float[] start = (float[])p.Clone(), p2 = (float[])p.Clone(), m2 = new float[n], v2 = new float[n];
        double[] pd = p.Select(x => (double)x).ToArray(), md = new double[n], vd = new double[n];
        double[] pd2 = (double[])pd.Clone(), md2 = new double[n], vd2 = new double[n];
        for (int step = 1; step <= 5; step++)
        {
            float[] g = Draw();
            double[] gd = g.Select(x => x * 1.5).ToArray();
            double stepSize = 0.01 / (1 - Math.Pow(0.9, step)), correction2Sqrt = Math.Sqrt(1 - Math.Pow(0.999, step));
            fixed (float* pp = p, gp = g, mp = m, vp = v, pp2 = p2, mp2 = m2, vp2 = v2)
            {
                FusedAdam.Update(pp, gp, mp, vp, n, stepSize, correction2Sqrt);
                FusedAdam.UpdateScalar(pp2, gp, mp2, vp2, n, stepSize, correction2Sqrt);
            }
            fixed (double* pp = pd, gp = gd, mp = md, vp = vd, pp2 = pd2, mp2 = md2, vp2 = vd2)
            {
                FusedAdam.Update(pp, gp, mp, vp, n, stepSize, correction2Sqrt);
                FusedAdam.UpdateScalar(pp2, gp, mp2, vp2, n, stepSize, correction2Sqrt);
            }
        }
        Assert.Equal(p2, p);
        Assert.Equal(m2, m);
        Assert.Equal(v2, v);
        Assert.Equal(pd2, pd);
        Assert.Equal(md2, md);
        Assert.Equal(vd2, vd);
        Assert.NotEqual(start, p);   // the steps did move the parameters
    }

    [Fact]
    public void GroupScaleMultipliesTheLearningRate()
    {
        using var a = Net(ScalarType.Float64);
        using var b = Net(ScalarType.Float64);
        var pa = a.parameters().ToList();
        var pb = b.parameters().ToList();
        using var plain = new FusedAdam([(pa.Take(2).ToList(), 1.0), (pa.Skip(2).ToList(), 1.0)], 0.01);
        using var scaled = new FusedAdam([(pb.Take(2).ToList(), 1.0), (pb.Skip(2).ToList(), 0.0)], 0.01);
        Train(a, plain.ZeroGrad, plain.Step, ScalarType.Float64, 3);
        Train(b, scaled.ZeroGrad, scaled.Step, ScalarType.Float64, 3);
        using var fresh = Net(ScalarType.Float64);
        // With scale 0 the second group must not move.
        Assert.Equal(0.0, (pb[2] - fresh.parameters().ElementAt(2)).abs().max().item<double>());
        Assert.NotEqual(0.0, (pa[2] - fresh.parameters().ElementAt(2)).abs().max().item<double>());
    }

    [Fact]
    public void StateSurvivesSaveAndLoad()
    {
        using var a = Net(ScalarType.Float64);
        using var b = Net(ScalarType.Float64);
        using var first = new FusedAdam([(a.parameters().ToList(), 1.0)], 0.01);
        Train(a, first.ZeroGrad, first.Step, ScalarType.Float64, 10);
        string path = Path.Combine(_dir, "adam.bin");
        first.Save(path);
        // b continues from a's parameters and state; both then take the same steps.
        using (torch.no_grad()) foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) pb.copy_(pa);
        using var second = new FusedAdam([(b.parameters().ToList(), 1.0)], 0.01);
        second.Load(path);
        Train(a, first.ZeroGrad, first.Step, ScalarType.Float64, 5);
        Train(b, second.ZeroGrad, second.Step, ScalarType.Float64, 5);
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.Equal(0.0, (pa - pb).abs().max().item<double>());
    }
}
