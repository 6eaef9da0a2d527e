using System.Runtime.CompilerServices;
using NeuralSparseGrids.Grids;

namespace NeuralSparseGrids.Training;

/// <summary>
/// The points coarsened so far in a spatially adaptive run, which refinement never adds back: as a set of
/// <see cref="GridPoint"/>s (the gradient indicator's children test) and grouped by level vector into local indices
/// (<see cref="PointRefinement.Exclude(int[], IReadOnlyList{int})"/>, one subspace lookup per group).
/// </summary>
/// <remarks>
/// Why both: a long run coarsens hundreds of points, and every step excludes all of them again; per point that was a
/// subspace search and a local-index computation (about 0.03 ms a step in the swiss roll's target setup). The groups
/// are built once per point, when a step first asks for them.
/// </remarks>
internal sealed class CoarsenedPoints
{
    private readonly HashSet<GridPoint> _points = [];
    private readonly List<GridPoint> _ungrouped = [];
    private readonly Dictionary<int[], List<int>> _localsByLevels = new(GridRemap.LevelVectorComparer);
    private GridType? _groupedFor;

    /// <summary>The points.</summary>
    public IReadOnlySet<GridPoint> Points => _points;

    /// <summary>Adds a coarsened point (again: nothing changes).</summary>
    public void Add(GridPoint point)
    {
        if (_points.Add(point)) _ungrouped.Add(point);
    }

    /// <summary>The points' local indices (in a <paramref name="type"/> grid's numbering) by level vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyDictionary<int[], List<int>> LocalsByLevels(GridType type)
    {
        if (_groupedFor != type)
        {
            _localsByLevels.Clear();
            _ungrouped.Clear();
            _ungrouped.AddRange(_points);
            _groupedFor = type;
        }
        foreach (var point in _ungrouped)
        {
            if (!_localsByLevels.TryGetValue(point.Levels, out var locals)) _localsByLevels[point.Levels] = locals = [];
            locals.Add(point.LocalIndex(type));
        }
        _ungrouped.Clear();
        return _localsByLevels;
    }
}
