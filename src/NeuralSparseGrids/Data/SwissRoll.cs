namespace NeuralSparseGrids.Data;

/// <summary>How the roll parameter <c>t</c> enters the oscillating term <c>sin(5 pi t)</c> of the swiss roll response.</summary>
public enum SwissRollT
{
    /// <summary>
    /// The formula as printed in the thesis (Sec. 3.3.2): <c>t</c> in radians, <c>t ~ U(3pi/2, 9pi/2)</c>, so
    /// <c>sin(5 pi t)</c> has period 0.4 in <c>t</c> and runs through about 23.6 periods along the roll.
    /// </summary>
    Radians,

    /// <summary>
    /// <c>t</c> rescaled to [0, 1] inside the sine: <c>u = (t - 3pi/2) / (3pi)</c>, response <c>sin(5 pi u) + h^2</c>
    /// (2.5 periods along the roll). The coordinates <c>x</c> still use <c>t</c> in radians.
    /// </summary>
    Unit,
}

/// <summary>Options of <see cref="SwissRoll"/>.</summary>
/// <param name="Count">Number of points (thesis: 8000).</param>
/// <param name="Noise">Standard deviation used both for the coordinate noise <c>tau</c> and the response noise
/// <c>sigma</c> (thesis: 0.1). Zero gives noise-free data.</param>
/// <param name="Dimensions">Ambient dimension <c>p &gt;= 3</c>; coordinates 4..p are pure noise (thesis: 3).</param>
/// <param name="TMode">How <c>t</c> enters <c>sin(5 pi t)</c>; see <see cref="SwissRollT"/>.</param>
public sealed record SwissRollOptions(int Count = 8000, double Noise = 0.1, int Dimensions = 3,
    SwissRollT TMode = SwissRollT.Radians);

/// <summary>A swiss roll sample together with its latent coordinates.</summary>
/// <param name="Data">Regression data set: features <c>(Count, Dimensions)</c> named <c>x1..xp</c>, targets <c>(Count, 1)</c> named <c>y</c>.</param>
/// <param name="T">Roll parameter <c>t</c> of each point (radians), length <c>Count</c>.</param>
/// <param name="H">Height <c>h</c> of each point, length <c>Count</c>.</param>
public sealed record SwissRollSample(Dataset Data, double[] T, double[] H);

/// <summary>
/// The swiss roll regression data set of the thesis, Sec. 3.3.2.
/// </summary>
/// <remarks>
/// For each point, in this order of random draws from <c>new Random(seed)</c>:
/// <c>t ~ U(3pi/2, 9pi/2)</c>, <c>h ~ U(0, 3)</c>, <c>delta_1..delta_p ~ N(0, tau^2)</c> (Box-Muller),
/// <c>eps ~ N(0, sigma^2)</c>; then
/// <c>x1 = t cos t + delta_1</c>, <c>x2 = h + delta_2</c>, <c>x3 = t sin t + delta_3</c>, <c>x_i = delta_i</c> for
/// <c>i &gt;= 4</c>, and <c>y = sin(5 pi s) + h^2 + eps</c> with <c>s = t</c> (<see cref="SwissRollT.Radians"/>)
/// or <c>s = (t - 3pi/2)/(3pi)</c> (<see cref="SwissRollT.Unit"/>). <c>tau = sigma = Noise</c>.
/// No scaling is applied (the thesis scales to [0, 1] afterwards: use <see cref="MinMaxScaler"/>).
/// </remarks>
public static class SwissRoll
{
    /// <summary>Lower end of the roll parameter, <c>3pi/2</c>.</summary>
    public const double TMin = 1.5 * Math.PI;

    /// <summary>Upper end of the roll parameter, <c>9pi/2</c>.</summary>
    public const double TMax = 4.5 * Math.PI;

    /// <summary>The oscillating term of the response, <c>sin(5 pi s)</c> with <c>s</c> as <paramref name="mode"/> says.</summary>
    internal static double Oscillation(double t, SwissRollT mode)
    {
        double s = mode == SwissRollT.Radians ? t : (t - TMin) / (TMax - TMin);
        return Math.Sin(5.0 * Math.PI * s);
    }

    /// <summary>Generates the data set (see the class remarks for the exact recipe).</summary>
    /// <param name="options">Size, noise, dimension and <c>t</c> mode; <see langword="null"/> for the thesis defaults.</param>
    /// <param name="seed">Seed of the <see cref="Random"/> that drives every draw.</param>
    public static Dataset Generate(SwissRollOptions? options, int seed) => Sample(options, seed).Data;

    /// <summary>Generates the data set and returns the latent <c>t</c> and <c>h</c> of each point as well.</summary>
    /// <param name="options">Size, noise, dimension and <c>t</c> mode; <see langword="null"/> for the thesis defaults.</param>
    /// <param name="seed">Seed of the <see cref="Random"/> that drives every draw.</param>
    public static SwissRollSample Sample(SwissRollOptions? options, int seed)
    {
        options ??= new SwissRollOptions();
        if (options.Count < 0) throw new ArgumentOutOfRangeException(nameof(options), "Count must be >= 0.");
        if (options.Dimensions < 3) throw new ArgumentOutOfRangeException(nameof(options), "Dimensions must be >= 3.");
        if (!(options.Noise >= 0) || double.IsInfinity(options.Noise))
            throw new ArgumentOutOfRangeException(nameof(options), "Noise must be finite and >= 0.");
        if (!Enum.IsDefined(options.TMode)) throw new ArgumentOutOfRangeException(nameof(options), "Unknown TMode.");

        int n = options.Count, p = options.Dimensions;
        double noise = options.Noise;
        var sampler = new NormalSampler(new Random(seed));
        var x = new double[n * p];
        var y = new double[n, 1];
        var ts = new double[n];
        var hs = new double[n];
        for (int i = 0; i < n; i++)
        {
            double t = sampler.Uniform(TMin, TMax);
            double h = sampler.Uniform(0.0, 3.0);
            int o = i * p;
            for (int d = 0; d < p; d++) x[o + d] = sampler.Normal(noise);
            x[o] += t * Math.Cos(t);
            x[o + 1] += h;
            x[o + 2] += t * Math.Sin(t);
            y[i, 0] = Oscillation(t, options.TMode) + h * h + sampler.Normal(noise);
            ts[i] = t;
            hs[i] = h;
        }
        return new SwissRollSample(Dataset.ForRegression(x, n, p, y), ts, hs);
    }
}
