using NeuralSparseGrids.Analysis;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>
/// `nsg bench ood`: how well the density head's out-of-distribution score could do on a trained model's frozen
/// embeddings. Fits the class densities (with the density options given) and, on the same embeddings, the
/// nonparametric yardsticks of <see cref="LatentNeighbourScores"/>, and prints the AUROC of each score against every
/// shift, beside the max-softmax baseline. An analysis, not a model setting: nothing is written to the run.
/// </summary>
internal static class OodBenchmark
{
    public const string Usage =
        "nsg bench ood --model DIR --data SOURCE [the run's data/split options] [--ood-shift noise,invert,rotate90] [--ood-seed S]\n" +
        "              [--rows test|validation] [--box-margins M1,M2,...] [density options] [--json]\n\n" +
        "AUROC of telling the run's test rows (--rows validation: its validation rows, for choosing settings without\n" +
        "touching the test split) from shifted copies by: the max softmax probability; the density head fitted\n" +
        "here with the density options (mixture sum_c P(c) f_c, its largest class term, and the mixture of the unclamped\n" +
        "class densities clamped once), and with class boxes the same head on the whole latent box (densityGlobalBox)\n" +
        "and with each class-box margin of --box-margins (density@M);\n" +
        "a Gaussian kernel density estimate of the training embeddings (bandwidth by\n" +
        "held-out likelihood on the validation embeddings); and the distance to the 1st and 10th nearest training\n" +
        "embedding. If the kernel estimate cannot separate a shift, no density of these embeddings can: the encoder is\n" +
        "the limit. Built-in data sets only (files: use nsg evaluate --ood-shift).";

    public static int Run(CliArguments args, CliContext context)
    {
        string dir = args.Required("model");
        var spec = ExperimentOptions.Parse(args);
        var options = ExperimentOptions.ParseDensityHead(args);
        var shifts = OodShift.ParseList(args.String("ood-shift") ?? "noise,invert,rotate90");
        int seed = args.Int("ood-seed", 1);
        bool validationRows = args.Choice("rows", false, new Dictionary<string, bool> { ["test"] = false, ["validation"] = true });
        var margins = (args.String("box-margins") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => double.TryParse(m, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) && v >= 0
                ? v : throw new CliUsageException($"--box-margins: '{m}' is not a margin >= 0.")).ToArray();
        args.EnsureAllConsumed();
        if (spec.Data.IsTable) throw new CliUsageException("nsg bench ood takes built-in data sets (mnist, twomoons, ...); for files use nsg evaluate --ood-shift.");
        using var trained = TrainedModel.Load(dir);
        var (train, trainLabels, validation, validationLabels) = DensityBenchmark.TrainingEmbeddings(trained, spec);
        int dim = trained.Model.Config.Latent, classes = trained.Model.Config.Outputs, inputs = trained.Model.Config.Inputs;
        var grid = DensityHead.GridFor(trained.Model, options);
        var head = DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, classes, options);
        // With class boxes, the old head on the whole latent box beside it (same grid, lambda rule and embeddings).
        var globalHead = options.Boxes == Regression.DensityBoxRule.Global ? null
            : DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, classes, options with { Boxes = Regression.DensityBoxRule.Global });
        var marginHeads = margins.ToDictionary(m => $"density@{m.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            m => DensityHead.Fit(train, trainLabels, validation, validationLabels, grid, classes, options with { Boxes = Regression.DensityBoxRule.PerGroup, BoxMargin = m }));
        var (bandwidth, candidates) = LatentNeighbourScores.ChooseBandwidth(train, validation, dim);

        var split = DatasetSplitter.Split(spec.Data.Load(spec.DataSeed), spec.Split.Train, spec.Split.Validation, spec.Split.Test, spec.DataSeed);
        var test = validationRows ? split.Validation : split.Test;
        bool images = trained.Model.Config.Encoder is Models.CnnEncoderConfig || trained.Scaling.Features == null;
        Dictionary<string, double[]> Scores(Prediction p, int rows)
        {
            var h = p.Embeddings;
            var scores = head.Score(h);
            var result = new Dictionary<string, double[]>
            {
                ["softmax"] = OodEvaluation.MaxProbability(p, rows),
                ["density"] = scores.Mixture,
                ["densityMaxClass"] = scores.MaxClass,
                ["densitySignedMixture"] = SignedMixture(head, h),
            };
            if (globalHead is not null) result["densityGlobalBox"] = globalHead.Score(h).Mixture;
            foreach (var (name, marginHead) in marginHeads) result[name] = marginHead.Score(h).Mixture;
            result["kernelDensity"] = LatentNeighbourScores.KernelLogDensity(train, h, dim, bandwidth);
            result["nearest1"] = LatentNeighbourScores.NegativeNeighbourDistance(train, h, dim, 1);
            result["nearest10"] = LatentNeighbourScores.NegativeNeighbourDistance(train, h, dim, 10);
            return result;
        }
        var insidePrediction = trained.Predict(test.Features, test.Rows);
        var inside = Scores(insidePrediction, test.Rows);
        double? Accuracy(int[] labels) => test.Labels is { } truth ? labels.Zip(truth).Count(p => p.First == p.Second) / (double)test.Rows : null;
        double? softmaxAccuracy = Accuracy(insidePrediction.Labels), densityAccuracy = Accuracy(head.Score(insidePrediction.Embeddings, insidePrediction.Labels).Labels);
        double? globalAccuracy = globalHead is null ? null : Accuracy(globalHead.Score(insidePrediction.Embeddings, insidePrediction.Labels).Labels);
        var result = new Dictionary<string, Dictionary<string, double>>();
        foreach (var shift in shifts)
        {
            var shifted = shift.Apply(test.Features, test.Rows, inputs, images, trained.Scaling.Features, seed);
            int n = shifted.Length / inputs;
            var outside = Scores(trained.Predict(shifted, n), n);
            result[shift.Name] = inside.Keys.ToDictionary(k => k, k => Auroc.Compute(inside[k], outside[k]));
        }
        var d = head.Classifier.Densities;
        if (context.Json)
            context.WriteJson(new { model = dir, rows = validationRows ? "validation" : "test", grid = d.Grid.ToString(), lambdas = d.Lambdas, softmaxAccuracy, densityAccuracy,
                globalBoxAccuracy = globalAccuracy, globalBoxLambdas = globalHead?.Classifier.Densities.Lambdas, fitSeconds = head.FitSeconds, bandwidth, bandwidthCandidates = candidates.Select(c => new { c.Bandwidth, c.MeanLogDensity }), ood = result });
        else
        {
            context.Out.WriteLine($"{dir}: class densities on a {d.Grid} (lambdas {string.Join(", ", d.Lambdas.Distinct().Select(l => l.ToString("G2")))}, fitted in {head.FitSeconds:F1} s); kernel bandwidth {bandwidth:G3}");
            context.Out.WriteLine($"{(validationRows ? "Validation" : "Test")} accuracy: softmax head {softmaxAccuracy:F4}, density head {densityAccuracy:F4}" +
                                  (globalHead is null ? "" : $" (on the whole latent box {globalAccuracy:F4}, lambdas {string.Join(", ", globalHead.Classifier.Densities.Lambdas.Distinct().Select(l => l.ToString("G2")))})"));
            foreach (var (name, marginHead) in marginHeads)
                context.Out.WriteLine($"{name}: accuracy {Accuracy(marginHead.Score(insidePrediction.Embeddings, insidePrediction.Labels).Labels):F4}, lambdas " +
                                      $"{string.Join(", ", marginHead.Classifier.Densities.Lambdas.Distinct().Select(l => l.ToString("G2")))}, background weights " +
                                      $"{string.Join(", ", marginHead.Classifier.BackgroundWeights!.Select(w => w.ToString("F3")))}");
            var names = inside.Keys.ToArray();
            context.Out.WriteLine($"{"AUROC",-10}" + string.Concat(names.Select(k => $"{k,22}")));
            foreach (var (shift, aurocs) in result) context.Out.WriteLine($"{shift,-10}" + string.Concat(names.Select(k => $"{aurocs[k],22:F4}")));
        }
        return 0;
    }

    // max(sum_c P(c) f_c, 0) with the unclamped f_c: the clamp applied once to the mixture instead of to every class.
    private static double[] SignedMixture(DensityHead head, double[] embeddings)
    {
        var c = head.Classifier;
        var f = c.Densities.EvaluateSigned(embeddings);
        return Enumerable.Range(0, f.Length / c.Classes).Select(i => Math.Max(0, Enumerable.Range(0, c.Classes).Sum(k => c.Priors[k] * f[i * c.Classes + k]))).ToArray();
    }
}
