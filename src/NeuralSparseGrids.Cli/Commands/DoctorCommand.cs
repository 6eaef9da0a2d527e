using System.Diagnostics;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg doctor`: checks that the library, TorchSharp and libtorch work on this machine.</summary>
public sealed class DoctorCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "doctor";

    /// <inheritdoc />
    public string Summary => "Check the installation: versions, libtorch loading, threads, a tiny forward/backward pass.";

    /// <inheritdoc />
    public string Usage => "nsg doctor [--json]\n\nPrints library, TorchSharp and libtorch versions, torch's thread count, whether the libstdc++\ncompatibility patch is in place, CUDA availability, and runs a tiny forward and backward pass.\nExit code 0 when all is well.";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        args.EnsureAllConsumed();
        var report = new Dictionary<string, object?>
        {
            ["library"] = typeof(TorchRuntime).Assembly.GetName().Version?.ToString(),
            ["torchSharp"] = typeof(torch).Assembly.GetName().Version?.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        };
        bool needsPatch = OperatingSystem.IsLinux() && TorchRuntime.SystemLibStdCxxLacksRequiredVersion();
        var copies = TorchRuntime.ApplicationCopies();
        report["libstdcxxLacksGlibcxx3432"] = needsPatch;
        report["libTorchSharpPatched"] = needsPatch && copies.Count > 0 && !copies.Any(TorchRuntime.StillRequiresNewGlibcxx);
        try
        {
            TorchRuntime.EnsureLoaded();
            report["libtorch"] = torch.__version__;
            report["threads"] = torch.get_num_threads();
            report["cudaAvailable"] = torch.cuda.is_available();
            report["libTorchSharpPatched"] = needsPatch && !copies.Any(TorchRuntime.StillRequiresNewGlibcxx);
            var watch = Stopwatch.StartNew();
            double gradNorm = TinyForwardBackward();
            report["forwardBackwardMs"] = watch.Elapsed.TotalMilliseconds;
            report["gradientNorm"] = gradNorm;
            if (!double.IsFinite(gradNorm) || gradNorm <= 0) throw new InvalidOperationException($"The tiny backward pass produced gradient norm {gradNorm}.");
            // libtorch's float32 convolution is unreliable for some channel counts on some CPUs; the CNN encoder
            // checks every shape (in the memory format it runs in) and runs the failing ones in float64. Report what
            // this machine does in the format the CNN uses.
            int[] channels = [4, 8, 12, 24, 32, 64, 128];
            bool channelsLast = VerifiedConv2d.ChannelsLastByDefault;
            report["convMemoryFormat"] = channelsLast ? "channels-last" : "contiguous (NSG_CONV_CHANNELS_LAST=0)";
            var unreliable = channels.Where(c => !ConvolutionCheck.IsReliable(new ConvolutionShape(c, c, 3, 1, 1, channelsLast))).ToList();
            report["conv3x3Float32Unreliable"] = unreliable.Count == 0
                ? $"none (of {string.Join(", ", channels)} channels)"
                : $"{string.Join(", ", unreliable)} channels: such CNN layers run in float64 (slower, correct)";
            report["ok"] = true;
        }
        catch (Exception e) when (e is TorchLoadException or InvalidOperationException)
        {
            report["ok"] = false;
            report["error"] = e.Message;
        }

        if (context.Json) context.WriteJson(report);
        else
        {
            foreach (var (k, v) in report) context.Out.WriteLine($"{k,-26} {v}");
            context.Out.WriteLine((bool)report["ok"]! ? "All checks passed." : "Problems found (see 'error').");
        }
        return (bool)report["ok"]! ? 0 : CliApp.Failure;
    }

    private static double TinyForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(1);
        var x = torch.rand(new long[] { 8, 3 }, generator: generator);
        var w = torch.rand(new long[] { 3, 2 }, generator: generator).requires_grad_(true);
        var loss = torch.tanh(x.matmul(w)).pow(2).sum();
        loss.backward();
        return w.grad!.norm().item<float>();
    }
}
