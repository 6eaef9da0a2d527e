using NeuralSparseGrids.Training;

namespace NeuralSparseGrids.Tests.Training;

/// <summary>A small min-max-normalised swiss roll (unit-t variant) for fast training tests.</summary>
internal static class TinySwissRoll
{
    public static (TrainingSplit Train, TrainingSplit Validation) Create(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * 3];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            double t = 1.5 * Math.PI + 3 * Math.PI * random.NextDouble();
            double h = 3 * random.NextDouble();
            x[3 * i] = (float)((t * Math.Cos(t) + 11) / 22);
            x[3 * i + 1] = (float)(h / 3);
            x[3 * i + 2] = (float)((t * Math.Sin(t) + 11) / 22);
            double u = (t - 1.5 * Math.PI) / (3 * Math.PI);
            y[i] = (float)((Math.Sin(5 * Math.PI * u) + h * h + 1) / 11);
        }
        int trainCount = count * 3 / 4;
        var train = TrainingSplit.Regression(x[..(trainCount * 3)], 3, y[..trainCount], 1);
        var validation = TrainingSplit.Regression(x[(trainCount * 3)..], 3, y[trainCount..], 1);
        return (train, validation);
    }

    public static double MeanPredictorMse(TrainingSplit train, TrainingSplit test)
    {
        double mean = train.Y.mean().item<float>();
        return (test.Y - mean).pow(2).mean().item<float>();
    }
}
