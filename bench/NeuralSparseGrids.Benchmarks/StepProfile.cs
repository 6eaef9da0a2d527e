using System.Diagnostics;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Models;
using NeuralSparseGrids.Training;
using TorchSharp;
using static TorchSharp.torch;
using NeuralSparseGrids.Numerics;

namespace NeuralSparseGrids.Benchmarks;

/// <summary>
/// `step-profile`: where one swiss-roll training step's time goes (MLP 3-25-25-2, level 6, batch 64, 1 thread):
/// the phases of <see cref="EpochLoop"/>'s step timed separately over many steps, plus the per-epoch extras.
/// </summary>
public static class StepProfile
{
    public static int Run(string[] args)
    {
        int steps = args.Length > 0 && int.TryParse(args[0], out int s0) ? s0 : 3000;
        torch.set_num_threads(1);
        var dataset = SwissRoll.Generate(new SwissRollOptions(8000, 0.1, 3, SwissRollT.Unit), seed: 1);
        using var data = PreparedData.Create(dataset, 0.6, 0.2, 0.2, seed: 1);
        var config = new NsgModelConfig { Inputs = 3, Encoder = new MlpEncoderConfig { HiddenLayers = [25, 25] }, Latent = 2, Grid = new GridConfig { Level = 6 } };
        var options = new TrainingOptions { Epochs = 3, BatchSize = 64, LearningRate = 0.01, Seed = 1 };
        if (args.Contains("--mse"))
        {
            // The `nsg demo` experiment (swiss roll unit-t, 3-25-25-2, level 6, Adam lr 0.01, 200 epochs) per seed, with
            // the fused step and with autograd: test MSE on the normalised target.
            foreach (int seed in new[] { 1, 2, 3 })
                foreach (bool fused in new[] { true, false })
                {
                    var spec = new ExperimentSpec
                    {
                        Data = new DataSpec { Source = DataSources.SwissRoll, SwissRollT = SwissRollT.Unit },
                        Model = config,
                        Training = new TrainingOptions { Epochs = 200, LearningRate = 0.01, Seed = seed, FusedStep = fused },
                        DataSeed = seed,
                    };
                    var result = ExperimentRunner.Run(spec);
                    Console.WriteLine($"seed {seed} fused step {fused}: test MSE {result.Test.Mse:G6}");
                }
            return 0;
        }
        if (args.Contains("--ab"))
        {
            var each = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
            for (int round = 0; round < 4; round++)
                foreach (bool fused in new[] { true, false })
                {
                    using var m = NeuralSparseGrid.Create(config, seed: 1);
                    new NsgTrainer(m, options with { Epochs = 2, FusedStep = fused }).Fit(data.Train, data.Validation);
                    var r = new NsgTrainer(m, options with { Epochs = 5, FusedStep = fused }).Fit(data.Train, data.Validation);
                    each[fused].AddRange(r.History.Select(e => e.Seconds));
                }
            foreach (var (fused, list) in each) Console.WriteLine($"fused step {fused}: median {Statistics.Median(list):F4} s/epoch ({string.Join(" ", list.Select(v => v.ToString("F4")))})");
            return 0;
        }
        if (args.Contains("--epochs"))
        {
            int epochs = int.Parse(args[Array.IndexOf(args, "--epochs") + 1]);
            return EpochPhases(config, options, data, epochs, args);
        }
        using var model = NeuralSparseGrid.Create(config, seed: 1);
        var fit = new NsgTrainer(model, options).Fit(data.Train, data.Validation);
        Console.WriteLine($"warm-up fit: {string.Join(" ", fit.History.Select(e => e.Seconds.ToString("F4")))} s/epoch");
        using var optimizer = StepOptimizers.Create(model, options, model.parameters().ToList());
        string[] names = ["index", "zero_grad", "encoder", "rescale", "layer", "loss", "item", "backward", "step", "scope"];
        var t = new double[names.Length];
        var x = data.Train.X; var y = data.Train.Y;
        int rows = (int)x.shape[0];
        int[] order = EpochLoop.Permutation(rows, 1, 1);
        var w = new Stopwatch();
        var total = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            int start = (s * 64) % (rows - 64);
            w.Restart();
            var scope = torch.NewDisposeScope();
            var index = torch.tensor(order.AsSpan(start, 64).ToArray().Select(i => (long)i).ToArray());
            var xb = x.index_select(0, index); var yb = y.index_select(0, index);
            t[0] += Lap(w);
            optimizer.ZeroGrad(); t[1] += Lap(w);
            var z = model.Encoder.forward(xb); t[2] += Lap(w);
            var h = model.Rescaling.Apply(z); t[3] += Lap(w);
            var o = model.Head.forward(h); t[4] += Lap(w);
            var loss = nn.functional.mse_loss(o, yb); t[5] += Lap(w);
            double l = loss.item<float>(); t[6] += Lap(w);
            loss.backward(); t[7] += Lap(w);
            optimizer.Step(); t[8] += Lap(w);
            scope.Dispose(); t[9] += Lap(w);
        }
        double all = total.Elapsed.TotalMilliseconds / steps;
        Console.WriteLine($"step: {all * 1000:F1} us ({steps} steps)");
        for (int i = 0; i < names.Length; i++) Console.WriteLine($"  {names[i],-10} {t[i] / steps * 1000,7:F1} us");
        var fusedStep = FusedMlpStep.TryCreate(model, options, data.Train)!;
        double run = 0, adam = 0;
        total.Restart();
        for (int s = 0; s < steps; s++)
        {
            int start = (s * 64) % (rows - 64);
            w.Restart();
            fusedStep.Run(x, y, order.AsSpan(start, 64)); run += Lap(w);
            optimizer.Step(); adam += Lap(w);
        }
        Console.WriteLine($"fused step: {total.Elapsed.TotalMilliseconds / steps * 1000:F1} us: run {run / steps * 1000:F1} us, optimizer {adam / steps * 1000:F1} us");
        unsafe
        {
            var hb = new float[128]; var ob = new float[64]; var gb = new float[64]; var ghb = new float[128];
            for (int i = 0; i < 128; i++) hb[i] = (i * 0.37f) % 1f;
            using var gcT = torch.zeros_like(model.Layer.Coefficients);
            double kf = 0, kb = 0;
            fixed (float* hp = hb, op = ob, gp = gb, ghp = ghb)
                for (int s = 0; s < steps; s++)
                {
                    w.Restart();
                    Layers.FusedKernel<float>.Forward(model.Layer.Grid, (nint)hp, Layers.TensorData.Pointer(model.Layer.Coefficients), (nint)op, 64, 1, 1); kf += Lap(w);
                    Layers.FusedKernel<float>.Backward(model.Layer.Grid, (nint)hp, Layers.TensorData.Pointer(model.Layer.Coefficients), (nint)gp, (nint)ghp, Layers.TensorData.Pointer(gcT), 64, 1, 1); kb += Lap(w);
                }
            Console.WriteLine($"kernel alone: forward {kf / steps * 1000:F1} us, backward {kb / steps * 1000:F1} us");
        }
        // Per-epoch extras
        var trainer = new NsgTrainer(model, options);
        var ev = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++) trainer.Evaluate(data.Validation);
        Console.WriteLine($"evaluate(validation): {ev.Elapsed.TotalMilliseconds / 50:F3} ms");
        ev.Restart();
        for (int i = 0; i < 50; i++) { var snap = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()); foreach (var v in snap.Values) v.Dispose(); }
        Console.WriteLine($"snapshot: {ev.Elapsed.TotalMilliseconds / 50:F3} ms");
        ev.Restart();
        for (int i = 0; i < 50; i++) { using var sc = torch.NewDisposeScope(); _ = model.parameters().All(p => torch.isfinite(p).all().item<bool>()); }
        Console.WriteLine($"all-finite: {ev.Elapsed.TotalMilliseconds / 50:F3} ms");
        return 0;
    }

    /// <summary>
    /// Where a whole epoch's time goes, read from the trainer's own callbacks (nothing inside the loop changes): the
    /// batches (from one batch's end to the next: step, optimizer, loop bookkeeping) and the epoch's tail (last
    /// batch's end to the epoch's end: validation, finite check, snapshots, history).
    /// </summary>
    private static int EpochPhases(NsgModelConfig config, TrainingOptions options, PreparedData data, int epochs, string[] args)
    {
        using var model = NeuralSparseGrid.Create(config, seed: 1);
        int warmUp = args.Contains("--warm-up") ? int.Parse(args[Array.IndexOf(args, "--warm-up") + 1]) : 3;
        if (warmUp > 0) new NsgTrainer(model, options with { Epochs = warmUp }).Fit(data.Train, data.Validation);   // JIT tiering, allocator
        var clock = new PhaseClock();
        var trainer = new NsgTrainer(model, options with { Epochs = epochs });
        trainer.Callbacks.Add(clock);
        var result = trainer.Fit(data.Train, data.Validation);
        var seconds = result.History.Select(e => e.Seconds).ToArray();
        Console.WriteLine($"epochs: {epochs}, median {Statistics.Median(seconds) * 1e3:F2} ms (min {seconds.Min() * 1e3:F2}, max {seconds.Max() * 1e3:F2})");
        Console.WriteLine($"  process CPU per epoch: median {Statistics.Median(clock.Cpu) * 1e3:F2} ms");
        Console.WriteLine($"  each epoch, wall / process CPU ms: {string.Join(" ", result.History.Zip(clock.Cpu, (e, c) => $"{e.Seconds * 1e3:F1}/{c * 1e3:F1}"))}");
        Console.WriteLine($"  per batch (median of {clock.Batches.Count}): {Statistics.Median(clock.Batches) * 1e6:F1} us; batches per epoch {clock.BatchesPerEpoch}");
        Console.WriteLine($"  sum of batches per epoch (median): {Statistics.Median(clock.BatchSums) * 1e3:F2} ms");
        Console.WriteLine($"  epoch tail (validation, checks, snapshots; median): {Statistics.Median(clock.Tails) * 1e3:F3} ms");
        Console.WriteLine($"  epoch head (to the first batch's end, incl. its step; median): {Statistics.Median(clock.Heads) * 1e3:F3} ms");
        return 0;
    }

    private sealed class PhaseClock : ITrainingCallback
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private double _last, _batchSum;
        public List<double> Batches { get; } = [];
        public List<double> BatchSums { get; } = [];
        public List<double> Tails { get; } = [];
        public List<double> Heads { get; } = [];
        public List<double> Cpu { get; } = [];
        public int BatchesPerEpoch { get; private set; }
        private double _cpu;
        private static double CpuNow() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

        public void OnFitStart(NeuralSparseGrid model, TrainingSplit train) { _last = _clock.Elapsed.TotalSeconds; _cpu = CpuNow(); }

        public void OnBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss)
        {
            double now = _clock.Elapsed.TotalSeconds;
            if (batch == 1) { Heads.Add(now - _last); _batchSum = 0; }
            else { Batches.Add(now - _last); _batchSum += now - _last; }
            BatchesPerEpoch = batchesPerEpoch;
            _last = now;
        }

        public void OnEpochEnd(NeuralSparseGrid model, EpochReport report)
        {
            double now = _clock.Elapsed.TotalSeconds;
            Tails.Add(now - _last);
            BatchSums.Add(_batchSum);
            double cpu = CpuNow();
            Cpu.Add(cpu - _cpu);
            _cpu = cpu;
            _last = now;
        }
    }

    private static double Lap(Stopwatch w) { double ms = w.Elapsed.TotalMilliseconds; w.Restart(); return ms; }
}
