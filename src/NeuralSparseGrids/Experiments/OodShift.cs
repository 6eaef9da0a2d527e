using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Experiments;

/// <summary>
/// Shifted copies of in-distribution inputs for out-of-distribution evaluation (`nsg evaluate --ood-shift`):
/// <c>noise</c> (uniform inputs over the training range of each feature; [0, 1] pixels for images), <c>invert</c>
/// (images: 1 - x; tabular: the negated features), <c>rotate90</c> (square images rotated by 90 degrees
/// counterclockwise), or the rows of another data file (any other spelling is read as a file path).
/// </summary>
public sealed record OodShift(string Name, string? File = null)
{
    /// <summary>The built-in shift names.</summary>
    public static readonly IReadOnlyList<string> BuiltIn = ["noise", "invert", "rotate90"];

    /// <summary>Parses a comma-separated list such as <c>noise,invert,rotate90,other.csv</c>.</summary>
    public static IReadOnlyList<OodShift> ParseList(string text)
    {
        var shifts = new List<OodShift>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string lower = part.ToLowerInvariant();
            shifts.Add(BuiltIn.Contains(lower) ? new OodShift(lower) : new OodShift(Path.GetFileName(part), part));
        }
        if (shifts.Count == 0) throw new ArgumentException($"--ood-shift expects a comma-separated list of {string.Join(", ", BuiltIn)} or data files; got '{text}'.");
        return shifts;
    }

    /// <summary>
    /// The shifted inputs, raw features (rows', inputs) row-major, made from <paramref name="features"/> (rows, inputs)
    /// in the model's raw units.
    /// </summary>
    /// <param name="features">In-distribution raw features.</param>
    /// <param name="rows">Rows of <paramref name="features"/>.</param>
    /// <param name="inputs">Features per row.</param>
    /// <param name="images">True for image inputs (pixels in [0, 1]).</param>
    /// <param name="range">Training range of every feature (null: [0, 1]).</param>
    /// <param name="seed">Seed of the noise.</param>
    public double[] Apply(double[] features, int rows, int inputs, bool images, MinMaxScalerState? range, int seed)
    {
        switch (Name)
        {
            case "noise":
            {
                var random = new Random(seed);
                var result = new double[rows * inputs];
                for (int i = 0; i < result.Length; i++)
                {
                    int j = i % inputs;
                    double lo = range?.Min[j] ?? 0, hi = range?.Max[j] ?? 1;
                    result[i] = lo + (hi - lo) * random.NextDouble();
                }
                return result;
            }
            case "invert":
                return images ? features.Select(v => 1 - v).ToArray() : features.Select(v => -v).ToArray();
            case "rotate90":
            {
                int side = (int)Math.Round(Math.Sqrt(inputs));
                if (!images || side * side != inputs)
                    throw new ArgumentException($"--ood-shift rotate90 needs square images (like MNIST's 28 x 28); this model has {inputs} tabular features.");
                var result = new double[features.Length];
                for (int r = 0; r < rows; r++)
                    for (int y = 0; y < side; y++)
                        for (int x = 0; x < side; x++)
                            result[r * inputs + y * side + x] = features[r * inputs + x * side + (side - 1 - y)];
                return result;
            }
            default:
            {
                var other = new DataSpec { Source = File! }.Load(seed);
                if (other.Columns != inputs)
                    throw new InvalidDataException($"--ood-shift {File}: {other.Columns} feature columns, but the model expects {inputs}.");
                return other.Features;
            }
        }
    }
}
