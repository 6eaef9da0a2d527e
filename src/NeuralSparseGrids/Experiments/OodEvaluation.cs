using NeuralSparseGrids.Analysis;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// AUROC of telling in-distribution inputs (positives) from shifted ones by four scores, higher meaning "more
/// typical": the density head's mixture density and its largest class term max_c P(c) f_c (null without a density
/// head), the maximum softmax probability (the usual baseline), and the coverage flag (1 if every basis function the
/// embedding reaches was activated in training).
/// </summary>
public sealed record OodScores(double? Density, double? Softmax, double? Coverage, int Rows, double? DensityMaxClass = null);

/// <summary>Out-of-distribution evaluation of a trained model (`nsg evaluate --ood-shift`).</summary>
public static class OodEvaluation
{
    /// <summary>
    /// For every shift, AUROC of separating <paramref name="features"/> (raw, (rows, inputs), the in-distribution test
    /// rows) from their shifted copies.
    /// </summary>
    public static IReadOnlyDictionary<string, OodScores> Evaluate(TrainedModel model, double[] features, int rows, IEnumerable<OodShift> shifts, bool images, int seed)
    {
        int inputs = model.Model.Config.Inputs;
        var inside = model.Predict(features, rows);
        var result = new Dictionary<string, OodScores>();
        foreach (var shift in shifts)
        {
            var shifted = shift.Apply(features, rows, inputs, images, model.Scaling.Features, seed);
            int n = shifted.Length / inputs;
            var outside = model.Predict(shifted, n);
            result[shift.Name] = new OodScores(
                inside.Density.Length > 0 ? Auroc.Compute(inside.Density, outside.Density) : null,
                inside.Probabilities.Length > 0 ? Auroc.Compute(MaxProbability(inside, rows), MaxProbability(outside, n)) : null,
                Auroc.Compute(Covered(inside), Covered(outside)),
                n,
                inside.DensityMaxClass.Length > 0 ? Auroc.Compute(inside.DensityMaxClass, outside.DensityMaxClass) : null);
        }
        return result;
    }

    /// <summary>The maximum class probability of every row of a classifier's prediction: length rows (the usual baseline score).</summary>
    public static double[] MaxProbability(Prediction p, int rows)
    {
        int classes = p.Probabilities.Length / rows;
        return Enumerable.Range(0, rows).Select(r => p.Probabilities.AsSpan(r * classes, classes).ToArray().Max()).ToArray();
    }

    private static double[] Covered(Prediction p) => p.OutsideTrainedRegion.Select(o => o ? 0.0 : 1.0).ToArray();
}
