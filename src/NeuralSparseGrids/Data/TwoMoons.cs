namespace NeuralSparseGrids.Data;

/// <summary>Options of <see cref="TwoMoons"/>.</summary>
/// <param name="Count">Number of points (thesis: 8000, i.e. 4000 per class).</param>
/// <param name="Noise">Standard deviation of the Gaussian noise added to the two moon coordinates (thesis: 0.1).</param>
public sealed record TwoMoonsOptions(int Count = 8000, double Noise = 0.1);

/// <summary>
/// The three-dimensional two moons variant of the thesis, Sec. 3.4.2: classic two moons in the plane plus a
/// third, uninformative coordinate <c>z ~ U(0, 1)</c>; the label is unchanged.
/// </summary>
/// <remarks>
/// <para>The planar part follows the usual <c>make_moons</c> recipe (scikit-learn): class 0 (outer moon) has
/// <c>floor(Count/2)</c> points <c>(cos a, sin a)</c> and class 1 (inner moon) has the other
/// <c>Count - floor(Count/2)</c> points <c>(1 - cos a, 0.5 - sin a)</c>, with the angles <c>a</c> evenly
/// spaced over [0, pi] (end points included) within each class.</para>
/// <para>Random draws from <c>new Random(seed)</c>, in this order: for each point (class 0 first, then class 1)
/// noise <c>N(0, Noise^2)</c> on x1, then on x2 (Box-Muller), then <c>z ~ U(0, 1)</c>; finally the rows are
/// shuffled (Fisher-Yates). No noise is added to <c>z</c>. Features are <c>(Count, 3)</c> named
/// <c>x1, x2, z</c>; labels are 0/1 with class names <c>"0"</c>, <c>"1"</c>. No scaling is applied (the thesis
/// scales each dimension to [0, 1] afterwards: use <see cref="MinMaxScaler"/>).</para>
/// </remarks>
public static class TwoMoons
{
    /// <summary>Generates the data set (see the class remarks for the exact recipe).</summary>
    /// <param name="options">Size and noise; <see langword="null"/> for the thesis defaults.</param>
    /// <param name="seed">Seed of the <see cref="Random"/> that drives every draw.</param>
    public static Dataset Generate(TwoMoonsOptions? options, int seed)
    {
        options ??= new TwoMoonsOptions();
        if (options.Count < 2) throw new ArgumentOutOfRangeException(nameof(options), "Count must be >= 2.");
        if (!(options.Noise >= 0) || double.IsInfinity(options.Noise))
            throw new ArgumentOutOfRangeException(nameof(options), "Noise must be finite and >= 0.");

        int n = options.Count;
        int nOuter = n / 2, nInner = n - nOuter;
        var sampler = new NormalSampler(new Random(seed));
        var rows = new (double X1, double X2, double Z, int Label)[n];
        for (int i = 0; i < n; i++)
        {
            bool outer = i < nOuter;
            int k = outer ? i : i - nOuter;
            int m = outer ? nOuter : nInner;
            double a = m == 1 ? 0.0 : Math.PI * k / (m - 1);
            double x1 = outer ? Math.Cos(a) : 1.0 - Math.Cos(a);
            double x2 = outer ? Math.Sin(a) : 0.5 - Math.Sin(a);
            x1 += sampler.Normal(options.Noise);
            x2 += sampler.Normal(options.Noise);
            double z = sampler.Random.NextDouble();
            rows[i] = (x1, x2, z, outer ? 0 : 1);
        }
        NormalSampler.Shuffle(rows, sampler.Random);

        var features = new double[n * 3];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            features[3 * i] = rows[i].X1;
            features[3 * i + 1] = rows[i].X2;
            features[3 * i + 2] = rows[i].Z;
            labels[i] = rows[i].Label;
        }
        return Dataset.ForClassification(features, n, 3, labels, ["0", "1"], ["x1", "x2", "z"], "class");
    }
}
