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

    /// <summary>Seconds since the step started, plus those <see cref="Add"/>ed.</summary>
    public double Total => _watch.Elapsed.TotalSeconds + _added;

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
