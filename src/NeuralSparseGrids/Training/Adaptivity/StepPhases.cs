using System.Diagnostics;

namespace NeuralSparseGrids.Training;

/// <summary>
/// Wall-clock laps of one adaptation step (<see cref="GridRefinement.Phases"/>): each <see cref="Lap"/> charges the
/// time since the previous lap (or the start) to a named phase, so the phases add up to the step's whole wall time.
/// </summary>
internal sealed class StepPhases
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private TimeSpan _last;

    /// <summary>Seconds per phase, in the order first charged.</summary>
    public Dictionary<string, double> Seconds { get; } = [];

    private double _added;

    /// <summary>
    /// Seconds from the step's start to its last <see cref="Lap"/>, plus those <see cref="Add"/>ed: the step ends at its
    /// last lap, so the phases add up to the total exactly (reading the clock again here would add whatever the
    /// scheduler did between the last lap and this read, which made the sum check flaky on a busy machine).
    /// </summary>
    public double Total => _last.TotalSeconds + _added;

    /// <summary>Charges <paramref name="seconds"/> spent elsewhere for the step (e.g. during the epoch) to <paramref name="phase"/>.</summary>
    public void Add(string phase, double seconds)
    {
        Seconds[phase] = Seconds.GetValueOrDefault(phase) + seconds;
        _added += seconds;
    }

    /// <summary>Charges the time since the previous lap to <paramref name="phase"/>.</summary>
    public void Lap(string phase)
    {
        var now = _watch.Elapsed;
        Seconds[phase] = Seconds.GetValueOrDefault(phase) + (now - _last).TotalSeconds;
        _last = now;
    }
}
