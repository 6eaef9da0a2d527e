namespace NeuralSparseGrids.Data;

/// <summary>Posterior mean and variance of the swiss roll response at one observed point.</summary>
/// <param name="Mean"><c>E[y | x]</c>: the Bayes-optimal prediction under squared loss.</param>
/// <param name="Variance"><c>Var(y | x)</c>: the squared error no predictor can avoid at this point, on average.</param>
public readonly record struct SwissRollPosterior(double Mean, double Variance);

/// <summary>
/// The Bayes-optimal predictor of the swiss roll response: <c>E[y | x]</c> under the generator's own noise model
/// (<see cref="SwissRoll"/>). It knows everything a learner could (the roll, the response formula, the noise levels),
/// so its test MSE is the irreducible error of the data set: no model can beat it except by chance on a finite split.
/// </summary>
/// <remarks>
/// Why it matters: with coordinate noise <c>tau = 0.1</c> the height <c>h</c> is only known to about 0.1 from
/// <c>x2 = h + delta_2</c>, and the response <c>h^2</c> has slope up to 6, so about 0.12 (raw units) of every model's
/// MSE is noise; on the min-max normalised target (range about 11) that is about 0.001.
/// <para>
/// The posterior factorises because <c>x2</c> depends only on <c>h</c> and <c>(x1, x3)</c> only on <c>t</c>, both with
/// uniform priors: <c>p(t | x1, x3) ~ exp(-|(x1, x3) - t (cos t, sin t)|^2 / (2 tau^2))</c> on <c>[3pi/2, 9pi/2]</c>, and
/// <c>p(h | x2) ~ exp(-(x2 - h)^2 / (2 tau^2))</c> on <c>[0, 3]</c>. So <c>E[y | x] = E[sin(5 pi s(t)) | x1, x3] + E[h^2 | x2]</c>
/// and <c>Var(y | x) = Var(sin(5 pi s(t)) | x1, x3) + Var(h^2 | x2) + sigma^2</c>; coordinates 4..p are pure noise and
/// carry no information. Both one-dimensional posteriors are integrated with the trapezoidal rule on fine grids
/// (the <c>t</c> grid is centred on the point of the roll closest to the observation, which is exact for noise well
/// below the 2 pi spacing of the roll's arms; larger noise is refused).
/// </para>
/// </remarks>
public static class SwissRollBayes
{
    /// <summary>Largest noise for which the <c>t</c> posterior is one peak (the roll's arms are 2 pi apart).</summary>
    public const double MaxNoise = 0.5;

    private const double HMax = 3.0;
    private const int WindowPoints = 2001;
    private const double CoarseStep = 0.01;

    /// <summary>Posterior of the response at the raw (unscaled) point <paramref name="x"/> (length >= 3).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Noise is zero or above <see cref="MaxNoise"/>, or <paramref name="x"/> is too short.</exception>
    public static SwissRollPosterior Posterior(ReadOnlySpan<double> x, SwissRollOptions options)
    {
        Validate(options);
        if (x.Length < 3) throw new ArgumentOutOfRangeException(nameof(x), $"A swiss roll point has at least 3 coordinates, got {x.Length}.");
        double tau = options.Noise;
        var (sinMean, sinVar) = OscillationPosterior(x[0], x[2], tau, options.TMode);
        var (hMean, hVar) = HeightSquaredPosterior(x[1], tau);
        return new SwissRollPosterior(sinMean + hMean, sinVar + hVar + tau * tau);
    }

    /// <summary>
    /// Bayes-optimal predictions <c>E[y | x]</c> for every row of a raw swiss roll data set (features as generated, not scaled).
    /// </summary>
    /// <returns>One posterior per row.</returns>
    public static SwissRollPosterior[] Predict(Dataset data, SwissRollOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Columns != options.Dimensions)
            throw new ArgumentException($"The data set has {data.Columns} features, the swiss roll options say {options.Dimensions}.", nameof(data));
        var result = new SwissRollPosterior[data.Rows];
        for (int i = 0; i < data.Rows; i++)
            result[i] = Posterior(data.Features.AsSpan(i * data.Columns, data.Columns), options);
        return result;
    }

    private static void Validate(SwissRollOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.Noise > 0) || options.Noise > MaxNoise)
            throw new ArgumentOutOfRangeException(nameof(options),
                $"The Bayes predictor needs noise in (0, {MaxNoise}] (a single-peaked posterior of t); got {options.Noise}.");
    }

    // E and Var of sin(5 pi s(t)) under p(t | x1, x3).
    private static (double Mean, double Variance) OscillationPosterior(double x1, double x3, double tau, SwissRollT mode)
    {
        double SquaredDistance(double t) => Sq(x1 - t * Math.Cos(t)) + Sq(x3 - t * Math.Sin(t));

        // Closest point of the roll on a coarse grid; the posterior mass lies within a few tau / |dr/dt| of it.
        double best = SwissRoll.TMin, bestDistance = double.PositiveInfinity;
        for (double t = SwissRoll.TMin; t <= SwissRoll.TMax; t += CoarseStep)
        {
            double d = SquaredDistance(t);
            if (d < bestDistance) { bestDistance = d; best = t; }
        }
        double speed = Math.Sqrt(1 + best * best); // |d/dt (t cos t, t sin t)|
        double half = 12 * tau / speed + 2 * CoarseStep;
        double lo = Math.Max(SwissRoll.TMin, best - half), hi = Math.Min(SwissRoll.TMax, best + half);
        return Moments(lo, hi, t => -SquaredDistance(t) / (2 * tau * tau), t => SwissRoll.Oscillation(t, mode));
    }

    // E and Var of h^2 under p(h | x2), h ~ U(0, 3).
    private static (double Mean, double Variance) HeightSquaredPosterior(double x2, double tau)
    {
        double lo = Math.Clamp(x2 - 12 * tau, 0, HMax), hi = Math.Clamp(x2 + 12 * tau, 0, HMax);
        if (hi - lo < 1e-9 * HMax)
        {
            // The observation is far outside [0, 3]: the posterior piles up at the nearer end.
            lo = x2 < 0 ? 0 : HMax - 12 * tau;
            hi = x2 < 0 ? 12 * tau : HMax;
        }
        return Moments(lo, hi, h => -Sq(x2 - h) / (2 * tau * tau), h => h * h);
    }

    // Posterior mean and variance of f under the density exp(logDensity) on [lo, hi] (trapezoidal rule, log-sum-exp safe).
    private static (double Mean, double Variance) Moments(double lo, double hi, Func<double, double> logDensity, Func<double, double> f)
    {
        Span<double> logW = stackalloc double[WindowPoints];
        double step = (hi - lo) / (WindowPoints - 1);
        double maxLog = double.NegativeInfinity;
        for (int k = 0; k < WindowPoints; k++)
        {
            logW[k] = logDensity(lo + k * step);
            if (logW[k] > maxLog) maxLog = logW[k];
        }
        double mass = 0, first = 0, second = 0;
        for (int k = 0; k < WindowPoints; k++)
        {
            double w = Math.Exp(logW[k] - maxLog) * (k == 0 || k == WindowPoints - 1 ? 0.5 : 1.0);
            double v = f(lo + k * step);
            mass += w; first += w * v; second += w * v * v;
        }
        double mean = first / mass;
        return (mean, Math.Max(0, second / mass - mean * mean));
    }

    private static double Sq(double v) => v * v;
}
