namespace NeuralSparseGrids.Training;

/// <summary>
/// Detects loss bursts (thesis 3.5.1) in a sequence of losses (<see cref="LossBurstCriterion"/> feeds epoch means): a
/// loss above <c>factor</c> times the median of the recent ones, followed by a recovery to within twice that median.
/// Counts completed bursts; a burst that never recovers is reported through <see cref="InBurst"/> so the caller can
/// treat it as divergence.
/// The median is floored at <c>scaleFraction</c> times the loss scale at the start of training (the largest of the
/// first losses), for the start of a burst and for its recovery alike: near a perfect fit a cross-entropy of 1e-5
/// rising to 1e-3 is a hundred-fold jump but still a near-perfect fit, and a two-moons fit that settled at 1.2e-3
/// after such a jump was otherwise reported as an unrecovered burst, i.e. divergence. Bursts are looked for once half
/// the window (at most 10 losses) has been seen.
/// </summary>
public sealed class LossBurstDetector(double factor = 10, int window = 50, double scaleFraction = 0.01)
{
    private readonly Queue<double> _recent = new();
    private double _burstBaseline;
    private double _startScale;
    private int _observed;

    // Losses seen before bursts are looked for; they also set the start scale.
    private int Warmup => Math.Min(10, Math.Max(1, window / 2));

    /// <summary>Completed bursts so far.</summary>
    public int Bursts { get; private set; }

    /// <summary>True while the loss is still far above the level before the burst.</summary>
    public bool InBurst { get; private set; }

    /// <summary>While <see cref="InBurst"/>: the loss above which a burst starts, factor times the (floored) median before it.</summary>
    public double BurstLevel => factor * _burstBaseline;

    /// <summary>Losses observed since the current burst began.</summary>
    public int BurstLength { get; private set; }

    /// <summary>Restores the count (after resuming from a checkpoint).</summary>
    public void Restore(int bursts) => Bursts = bursts;

    /// <summary>Feeds one batch loss; returns true when this loss completes a burst (recovery).</summary>
    public bool Observe(double loss)
    {
        if (!double.IsFinite(loss)) return false;
        if (_observed++ < Warmup) _startScale = Math.Max(_startScale, loss);
        if (InBurst)
        {
            BurstLength++;
            if (loss <= 2 * _burstBaseline)
            {
                InBurst = false;
                Bursts++;
                Push(loss);
                return true;
            }
            return false;
        }
        if (_recent.Count >= Warmup)
        {
            double baseline = Math.Max(Median(), scaleFraction * _startScale);
            if (baseline > 0 && loss > factor * baseline)
            {
                InBurst = true;
                BurstLength = 1;
                _burstBaseline = baseline;
                return false;
            }
        }
        Push(loss);
        return false;
    }

    private void Push(double loss)
    {
        _recent.Enqueue(loss);
        while (_recent.Count > window) _recent.Dequeue();
    }

    private double Median()
    {
        var sorted = _recent.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
