namespace NeuralSparseGrids.Tests.Plotting;

/// <summary>Small seeded data for the plot tests: two moons-like clusters in (0, 1)^2.</summary>
internal static class PlotData
{
    public static (float[] h, int[] classes, double[] values) Clusters(int n, int seed)
    {
        var rng = new Random(seed);
        var h = new float[2 * n];
        var classes = new int[n];
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            classes[i] = i % 3;
            double cx = 0.25 + 0.25 * classes[i], cy = 0.3 + 0.2 * (classes[i] % 2);
            h[2 * i] = (float)(cx + 0.08 * Gaussian(rng));
            h[2 * i + 1] = (float)(cy + 0.08 * Gaussian(rng));
            values[i] = h[2 * i] + h[2 * i + 1];
        }
        return (h, classes, values);
    }

    public static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
