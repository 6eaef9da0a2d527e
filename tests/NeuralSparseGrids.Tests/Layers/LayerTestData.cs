using NeuralSparseGrids.Grids;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Tests.Layers;

internal static class LayerTestData
{
    public static readonly GridType[] AllTypes = Enum.GetValues<GridType>();

    /// <summary>
    /// Random points in [0, 1]^d, a third of the coordinates snapped onto cell faces k / 2^m (including 0 and 1),
    /// and one row exactly at 0 and one at 1 in every coordinate.
    /// </summary>
    public static Tensor Points(int batch, int dim, int maxLevel, int seed, ScalarType dtype)
    {
        var rng = new Random(seed);
        var data = new double[batch * dim];
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < dim; j++)
            {
                double x = rng.NextDouble();
                if (rng.Next(3) == 0)
                {
                    int m = rng.Next(maxLevel + 1);
                    x = rng.Next((1 << m) + 1) / (double)(1 << m);
                }
                if (b == 0) x = 0;
                if (b == 1) x = 1;
                data[b * dim + j] = x;
            }
        }
        return tensor(data, [batch, dim], dtype);
    }

    /// <summary>Random normal coefficients (points, outputs).</summary>
    public static Tensor Coefficients(long points, int outputs, int seed, ScalarType dtype)
    {
        using var g = new Generator((ulong)seed);
        return randn([points, outputs], ScalarType.Float64, generator: g).to(dtype);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().to(ScalarType.Float64).item<double>();

    public static double MaxAbs(Tensor a) => a.abs().max().to(ScalarType.Float64).item<double>();
}
