using System.Globalization;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// Random search: <see cref="Budget"/> configurations drawn from <see cref="Space"/> with <see cref="Seed"/>. Draw i
/// depends only on the seed and the space, so raising the budget keeps the earlier draws (and their cells' results).
/// Repeated configurations are redrawn (up to a bound), so a small discrete space is not sampled twice.
/// </summary>
/// <param name="Budget">Configurations to draw.</param>
/// <param name="Seed">Seed of the draws (not the training seed).</param>
/// <param name="Space">The dimensions, in order.</param>
public sealed record RandomSearch(int Budget, int Seed, IReadOnlyList<RandomDimension> Space)
{
    private const int RedrawAttempts = 50;

    /// <summary>The drawn configurations.</summary>
    public IReadOnlyList<SweepConfiguration> Draw()
    {
        var random = new Random(Seed);
        var seen = new HashSet<string>();
        var draws = new List<SweepConfiguration>(Budget);
        for (int i = 0; i < Budget; i++)
        {
            SweepConfiguration configuration;
            int attempt = 0;
            do
            {
                configuration = new SweepConfiguration(new Dictionary<string, AxisValue>(), []);
                foreach (var dimension in Space) configuration = configuration.With(dimension.Name, dimension.Sample(random));
            }
            while (!seen.Add(configuration.Describe()) && ++attempt < RedrawAttempts);
            draws.Add(configuration);
        }
        return draws;
    }
}

/// <summary>How a random-search dimension is sampled.</summary>
public enum SampleKind
{
    /// <summary>One of <see cref="RandomDimension.Choices"/>, uniformly.</summary>
    Choice,
    /// <summary>Uniform in [Low, High].</summary>
    Uniform,
    /// <summary>log-uniform in [Low, High] (learning rates).</summary>
    LogUniform,
    /// <summary>An integer in [Low, High], uniformly.</summary>
    Integer,
}

/// <summary>A dimension of a random search: the option it sets (or a name for linked choices) and its distribution.</summary>
/// <param name="Name">Option name without "--" (or any name when the choices set options themselves).</param>
/// <param name="Kind">Distribution.</param>
/// <param name="Low">Lower bound (continuous and integer kinds).</param>
/// <param name="High">Upper bound.</param>
/// <param name="Choices">Values of <see cref="SampleKind.Choice"/>.</param>
public sealed record RandomDimension(string Name, SampleKind Kind, double Low = 0, double High = 0, IReadOnlyList<AxisValue>? Choices = null)
{
    /// <summary>Draws one value.</summary>
    public AxisValue Sample(Random random)
    {
        if (Kind == SampleKind.Choice) return Choices![random.Next(Choices.Count)];
        double u = random.NextDouble();
        string text = Kind switch
        {
            SampleKind.Integer => ((long)Low + (long)Math.Floor(u * (High - Low + 1))).ToString(CultureInfo.InvariantCulture),
            SampleKind.LogUniform => Round(Math.Exp(Math.Log(Low) + u * (Math.Log(High) - Math.Log(Low)))),
            _ => Round(Low + u * (High - Low)),
        };
        return new AxisValue(text, [new(Name, text)]);
    }

    // Three significant digits: readable labels that parse back to the value the cell ran with.
    private static string Round(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}

/// <summary>The thesis table a reproduction sweep fills (see Reproduction/ThesisSweeps).</summary>
/// <param name="Id">Table id ("3.2").</param>
/// <param name="Title">Caption.</param>
/// <param name="Notes">Setup notes.</param>
/// <param name="Static">Cells without runs (literature values, cells the engine cannot measure), in table order with the rest.</param>
/// <param name="Order">Every cell's (row, column) in the thesis' order.</param>
/// <param name="Scale">The reduced setup's caps (--quick) as "epochs", "count", "maxRows"; null: the thesis setup.</param>
public sealed record SweepTable(string Id, string Title, string Notes, IReadOnlyList<SweepTableCell> Static, IReadOnlyList<string[]> Order,
    IReadOnlyDictionary<string, int?>? Scale = null);

/// <summary>A table cell reported by a configuration: where it goes, what it measures, the published value.</summary>
/// <param name="Row">Row label.</param>
/// <param name="Column">Column label.</param>
/// <param name="Measure">Measure name (Reproduction.Measure).</param>
/// <param name="Thesis">Published value.</param>
/// <param name="Note">Note.</param>
public sealed record SweepTableCell(string Row, string Column, string Measure, double? Thesis, string? Note = null);
