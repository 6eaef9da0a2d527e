using System.Diagnostics;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `strided-conv`: the MNIST CNN's stride-2 3x3 convolutions (32->64 on 28x28, 64->128 on 14x14, batch 64), backward
/// through libtorch's convolution (autograd: input and weight gradient) against the input gradient as a transposed
/// convolution plus the weight gradient alone; fastest of N calls (robust on a loaded machine), both formats.
/// </summary>
public static class StridedConvGradient
{
    public static int Run(string[] args)
    {
        int repeats = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 15;
        Console.WriteLine($"stride-2 3x3 convolution gradients, batch 64, {get_num_threads()} threads, fastest of {repeats} (ms); load {MachineLoad.Text()}:");
        foreach (var (cin, side) in new[] { (32, 28), (64, 14) })
            foreach (bool channelsLast in new[] { true, false })
            {
                using var scope = NewDisposeScope();
                var shape = new ConvolutionShape(cin, 2 * cin, 3, 2, 1, channelsLast);
                var x0 = rand(64, cin, side, side);
                var x = channelsLast ? VerifiedConv2d.ToChannelsLast(x0) : x0;
                var w = randn(2 * cin, cin, 3, 3) * 0.1;
                var g0 = randn(64, 2 * cin, side / 2, side / 2);
                var g = channelsLast ? VerifiedConv2d.ToChannelsLast(g0) : g0;
                double Fastest(Action a) { var best = double.MaxValue; for (int i = 0; i < repeats + 2; i++) { var sw = Stopwatch.StartNew(); a(); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); } return best; }
                double both = Fastest(() =>
                {
                    using var s = NewDisposeScope();
                    var xi = x.detach().requires_grad_(true); var wi = w.detach().requires_grad_(true);
                    VerifiedConv2d.Float32Convolution(xi, wi, shape).backward([g]);
                });
                double weightOnly = Fastest(() =>
                {
                    using var s = NewDisposeScope();
                    var wi = w.detach().requires_grad_(true);
                    VerifiedConv2d.Float32Convolution(x, wi, shape).backward([g]);
                });
                var wl = channelsLast ? VerifiedConv2d.ToChannelsLast(w) : w;
                double transposed = Fastest(() =>
                {
                    using var s = NewDisposeScope();
                    nn.functional.conv_transpose2d(g, wl, strides: [2, 2], padding: [1, 1], output_padding: [1, 1]);
                });
                double forward = Fastest(() => { using var s = NewDisposeScope(); VerifiedConv2d.Float32Convolution(x, w, shape); });
                // Same values? (input gradient both ways)
                var xi2 = x.detach().requires_grad_(true);
                VerifiedConv2d.Float32Convolution(xi2, w, shape).backward([g]);
                double diff = (xi2.grad! - nn.functional.conv_transpose2d(g, wl, strides: [2, 2], padding: [1, 1], output_padding: [1, 1])).abs().max().item<float>();
                Console.WriteLine($"  {shape,-32} forward {forward,6:F2}  fwd+bwd(x,w) {both,6:F2}  fwd+bwd(w only) {weightOnly,6:F2}  => input grad ~{both - weightOnly,6:F2}; as conv_transpose2d {transposed,6:F2}  (max diff {diff:g2})");
            }
        return 0;
    }
}
