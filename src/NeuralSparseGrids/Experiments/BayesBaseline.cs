using NeuralSparseGrids.Data;
using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// The irreducible error of a generated data set: the test metrics of the Bayes-optimal predictor (which knows the
/// generator) on the same test split and with the same target scaling as the model. A model's test MSE can only fall
/// below it by the luck of a finite split. Available for the swiss roll (<see cref="SwissRollBayes"/>).
/// </summary>
public static class BayesBaseline
{
    /// <summary>
    /// Metrics of the Bayes-optimal predictor on <paramref name="testRaw"/> (unscaled), or null when the data source has
    /// no known generator or its noise is outside what <see cref="SwissRollBayes"/> handles.
    /// </summary>
    public static TestMetrics? Evaluate(DataSpec data, Dataset testRaw, DataScaling scaling)
    {
        if (!DataSources.Is(data.Source, DataSources.SwissRoll)) return null;
        if (!(data.Noise > 0) || data.Noise > SwissRollBayes.MaxNoise || testRaw.Targets is null || testRaw.Rows == 0) return null;

        var options = new SwissRollOptions(data.Count, data.Noise, testRaw.Columns, data.SwissRollT);
        double[] predicted = Array.ConvertAll(SwissRollBayes.Predict(testRaw, options), p => p.Mean);
        double[] actual = new double[testRaw.Rows];
        for (int i = 0; i < actual.Length; i++) actual[i] = testRaw.Targets[i, 0];
        var raw = Metrics.Regression(predicted, actual);
        var normalised = raw;
        if (scaling.Targets != null)
        {
            var scaler = MinMaxScaler.FromState(scaling.Targets);
            normalised = Metrics.Regression(scaler.Transform(predicted, actual.Length), scaler.Transform(actual, actual.Length));
        }
        return TestMetrics.Regression(normalised, raw);
    }
}
