using System.Diagnostics;
using NeuralSparseGrids.Models;
using TorchSharp;
using static TorchSharp.torch;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// Forward and backward milliseconds of each layer of <see cref="CnnEncoder"/> alone (the product's modules:
/// <see cref="VerifiedConv2d"/> and batch norm), with the layer names nsg_peer.py's cnn-layers uses.
/// </summary>
public static class CnnLayerTimings
{
    /// <summary>Median forward and backward milliseconds per layer (train mode, upstream gradient of ones).</summary>
    public static List<(string Name, double Forward, double Backward)> Measure(int width, int side, int batch, int repeats)
    {
        var result = new List<(string, double, double)>();
        foreach (var (name, make, shape) in Layers(width, side))
        {
            using var module = make();
            module.train();
            // Inputs in the format the layer sees inside the encoder: channels-last unless NSG_CONV_CHANNELS_LAST=0.
            using var plain = rand([batch, .. shape]);
            using var x = (VerifiedConv2d.ChannelsLastByDefault ? plain.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : plain.clone())
                .requires_grad_(true);
            var forward = new List<double>();
            var backward = new List<double>();
            for (int r = 0; r < repeats + 2; r++)
            {
                using var scope = NewDisposeScope();
                module.zero_grad();
                x.grad?.zero_();
                var watch = Stopwatch.StartNew();
                var y = module.forward(x);
                double f = watch.Elapsed.TotalMilliseconds;
                y.backward([ones_like(y)]);
                double b = watch.Elapsed.TotalMilliseconds - f;
                if (r < 2) continue;
                forward.Add(f);
                backward.Add(b);
            }
            result.Add((name, Statistics.Median(forward), Statistics.Median(backward)));
        }
        return result;
    }

    private static IEnumerable<(string Name, Func<nn.Module<Tensor, Tensor>> Make, long[] Shape)> Layers(int w, int side)
    {
        yield return ($"stem conv 1->{w}", () => new VerifiedConv2d(1, w, 3, 1, 1), [1, side, side]);
        yield return ($"stem bn {w}", () => nn.BatchNorm2d(w), [w, side, side]);
        int s = side;
        foreach (var (name, cin, cout, stride) in new[] { ("stage1", w, w, 1), ("stage2", w, 2 * w, 2), ("stage3", 2 * w, 4 * w, 2) })
        {
            int so = (s + 2 - 3) / stride + 1;
            int sIn = s;
            yield return ($"{name} conv1 {cin}->{cout} s{stride}", () => new VerifiedConv2d(cin, cout, 3, stride, 1), [cin, sIn, sIn]);
            yield return ($"{name} conv2 {cout}->{cout}", () => new VerifiedConv2d(cout, cout, 3, 1, 1), [cout, so, so]);
            yield return ($"{name} bn {cout}", () => nn.BatchNorm2d(cout), [cout, so, so]);
            if (stride != 1 || cin != cout)
                yield return ($"{name} proj 1x1 {cin}->{cout} s{stride}", () => new VerifiedConv2d(cin, cout, 1, stride, 0), [cin, sIn, sIn]);
            s = so;
        }
    }
}
