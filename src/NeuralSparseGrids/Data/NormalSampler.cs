namespace NeuralSparseGrids.Data;

/// <summary>
/// Draws standard normal numbers from a <see cref="Random"/> with the Box-Muller transform, using both values
/// of each pair (the second is cached). Deterministic for a given <see cref="Random"/> sequence.
/// </summary>
internal sealed class NormalSampler
{
    private readonly Random _random;
    private double _spare;
    private bool _hasSpare;

    public NormalSampler(Random random) => _random = random;

    /// <summary>The underlying uniform generator.</summary>
    public Random Random => _random;

    /// <summary>Uniform number in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + (high - low) * _random.NextDouble();

    /// <summary>A N(0, 1) number.</summary>
    public double Standard()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        // u1 in (0, 1] so that log(u1) is finite.
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        _spare = r * Math.Sin(theta);
        _hasSpare = true;
        return r * Math.Cos(theta);
    }

    /// <summary>A N(0, <paramref name="sigma"/>^2) number.</summary>
    public double Normal(double sigma) => sigma * Standard();

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public static void Shuffle<T>(T[] items, Random random)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
