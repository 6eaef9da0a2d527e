namespace NeuralSparseGrids.Training;

/// <summary>
/// Detects loss bursts (thesis 3.5.1): a batch loss above <c>factor</c> times the median of the recent losses,
/// followed by a recovery to within twice that median. Counts completed bursts; a burst that never recovers is
/// reported through <see cref="InBurst"/> so the caller can treat it as divergence.
/// A jump that stays below <c>scaleFraction</c> times the loss scale at the start of training (the largest of the
/// first batch losses) is not a burst: near a perfect fit, a cross-entropy of 1e-5 rising to 6e-4 is a 60-fold jump
/// but still a near-perfect fit, and calling it divergence stopped good adaptive two-moons runs. For the same reason
/// a burst has recovered once the loss is back below that floor, even if not within twice the tiny median before it:
/// a two-moons fit at 1e-5 that spiked and settled at 1.2e-3 (accuracy 1.0) was otherwise reported as divergence.
/// </summary>
public sealed class LossBurstDetector(double factor = 10, int window = 50, double scaleFraction = 0.01)
{
    private readonly Queue<double> _recent = new();
    private double _burstBaseline;
    private double _startScale;
    private int _observed;

    /// <summary>Completed bursts so far.</summary>
    public int Bursts { get; private set; }

    /// <summary>True while the loss is still far above the level before the burst.</summary>
    public bool InBurst { get; private set; }

    /// <summary>Batches observed since the current burst began.</summary>
    public int BurstLength { get; private set; }

    /// <summary>Restores the count (after resuming from a checkpoint).</summary>
    public void Restore(int bursts) => Bursts = bursts;

    /// <summary>Feeds one batch loss; returns true when this loss completes a burst (recovery).</summary>
    public bool Observe(double loss)
    {
        if (!double.IsFinite(loss)) return false;
        if (_observed++ < Math.Min(10, window)) _startScale = Math.Max(_startScale, loss);
        if (InBurst)
        {
            BurstLength++;
            if (loss <= Math.Max(2 * _burstBaseline, scaleFraction * _startScale))
            {
                InBurst = false;
                Bursts++;
                Push(loss);
                return true;
            }
            return false;
        }
        if (_recent.Count >= Math.Min(10, window))
        {
            double median = Median();
            if (median > 0 && loss > factor * median && loss > scaleFraction * _startScale)
            {
                InBurst = true;
                BurstLength = 1;
                _burstBaseline = median;
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
