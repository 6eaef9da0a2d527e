using System.Globalization;
using System.Text.Json;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// Reads a sweep spec (JSON). Format (docs/sweeps.md):
/// <code>
/// { "name": "swissroll-lr-method",
///   "base":  { "data": "swissroll", "swissroll-t": "unit", "epochs": 60 },          // nsg train options
///   "axes":  { "lr": [0.001, 0.01], "method": ["gradient", "ls"],                  // lists
///              "level": { "from": 3, "to": 6 }, "lambda": { "log": [0.001, 1], "count": 4 },   // ranges
///              "setup": [ { "label": "LS", "set": { "method": "ls", "lr": 0.001 } } ] },     // linked options
///   "random": { "budget": 20, "seed": 1, "space": { "lr": { "log-uniform": [1e-4, 1e-1] }, "level": [4, 5, 6] } },
///   "seeds": [1, 2],                                                                // or a count: 3 = 1..3
///   "score": "validation.mse" }
/// </code>
/// Option values are numbers or strings (passed on as written), true (a bare flag) or false (left out).
/// Errors name the file and the offending entry.
/// </summary>
public static class SweepSpecReader
{
    /// <summary>Reads the spec in <paramref name="path"/>.</summary>
    public static SweepSpec ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Sweep spec '{path}' not found.", path);
        if (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: sweep specs are JSON (YAML is not supported); see docs/sweeps.md.");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses spec text; <paramref name="source"/> names it in errors.</summary>
    public static SweepSpec Parse(string json, string source = "sweep spec")
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON ({e.Message})."); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Error(source, "the top level must be a JSON object");
            string[] known = ["name", "base", "axes", "random", "seeds", "score", "table"];
            foreach (var p in root.EnumerateObject())
                if (!known.Contains(p.Name)) throw Error(source, $"unknown entry '{p.Name}' (known: {string.Join(", ", known)})");
            var spec = new SweepSpec
            {
                Name = root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : Path.GetFileNameWithoutExtension(source),
                Base = root.TryGetProperty("base", out var b) ? Options(b, source, "base") : [],
                Axes = root.TryGetProperty("axes", out var axes) ? ReadAxes(axes, source) : [],
                Random = root.TryGetProperty("random", out var random) ? ReadRandom(random, source) : null,
                Seeds = root.TryGetProperty("seeds", out var seeds) ? ReadSeeds(seeds, source) : [1],
                Score = root.TryGetProperty("score", out var score) ? ReadScore(score, source) : null,
                Table = root.TryGetProperty("table", out var table) ? JsonSerializer.Deserialize<SweepTable>(table.GetRawText(), SweepJson.Options) : null,
            };
            if (spec.Base.Any(o => o.Key is "seed" or "out" or "json" or "resume"))
                throw Error(source, "base must not set seed, out, json or resume (seeds come from 'seeds', the rest from the sweep)");
            if (spec.CellCount == 0) throw Error(source, "the sweep has no cells (an axis with no values, or a random budget of 0)");
            return spec;
        }
    }

    private static InvalidDataException Error(string source, string message) => new($"{source}: {message}.");

    private static IReadOnlyList<KeyValuePair<string, string?>> Options(JsonElement e, string source, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(source, $"'{where}' must be an object of nsg train options, like {{\"lr\": 0.01}}");
        var list = new List<KeyValuePair<string, string?>>();
        foreach (var p in e.EnumerateObject())
        {
            string key = p.Name.StartsWith("--", StringComparison.Ordinal) ? p.Name[2..] : p.Name;
            list.Add(new(key, Scalar(p.Value, source, $"{where}.{p.Name}")));
        }
        return list;
    }

    // Numbers keep their text (0.001 stays 0.001); true is a bare flag (null value), false leaves the option out.
    private static string? Scalar(JsonElement e, string source, string where) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw Error(source, $"'{where}' must be a number, a string or true/false"),
    };

    private static IReadOnlyList<SweepAxis> ReadAxes(JsonElement e, string source)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(source, "'axes' must be an object: axis name -> list or range");
        var axes = new List<SweepAxis>();
        foreach (var p in e.EnumerateObject())
        {
            var values = Values(p.Name, p.Value, source, $"axes.{p.Name}");
            if (values.Count == 0) throw Error(source, $"axis '{p.Name}' has no values");
            axes.Add(new SweepAxis(p.Name, values));
        }
        return axes;
    }

    private static IReadOnlyList<AxisValue> Values(string name, JsonElement e, string source, string where)
    {
        if (e.ValueKind == JsonValueKind.Array) return [.. e.EnumerateArray().Select((v, i) => Value(name, v, source, $"{where}[{i}]"))];
        if (e.ValueKind == JsonValueKind.Object) return [.. Range(e, source, where).Select(text => new AxisValue(text, [new(name, text)]))];
        throw Error(source, $"'{where}' must be a list of values or a range like {{\"from\": 3, \"to\": 6}} or {{\"log\": [1e-4, 1e-1], \"count\": 4}}");
    }

    private static AxisValue Value(string name, JsonElement e, string source, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            string? text = Scalar(e, source, where);
            return new AxisValue(text ?? "true", [new(name, text)]);
        }
        if (!e.TryGetProperty("set", out var set)) throw Error(source, $"'{where}' is an object, so it needs \"set\": {{options}} (and optionally \"label\")");
        var settings = Options(set, source, where + ".set");
        string label = e.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String
            ? l.GetString()!
            : string.Join(" ", settings.Select(s => $"{s.Key}={s.Value}"));
        var report = e.TryGetProperty("report", out var r) ? JsonSerializer.Deserialize<List<SweepTableCell>>(r.GetRawText(), SweepJson.Options) : null;
        return new AxisValue(label, settings, report);
    }

    private static IEnumerable<string> Range(JsonElement e, string source, string where)
    {
        var c = CultureInfo.InvariantCulture;
        if (e.TryGetProperty("log", out var log))
        {
            var (lo, hi) = Pair(log, source, where + ".log");
            int count = e.TryGetProperty("count", out var n) && n.TryGetInt32(out int k) && k >= 1 ? k : throw Error(source, $"'{where}' needs \"count\" (a positive integer)");
            if (lo <= 0 || hi <= 0) throw Error(source, $"'{where}.log' bounds must be positive");
            return Enumerable.Range(0, count).Select(i => (count == 1 ? lo : lo * Math.Pow(hi / lo, i / (double)(count - 1))).ToString("G3", c));
        }
        if (e.TryGetProperty("from", out var from) && e.TryGetProperty("to", out var to))
        {
            double a = Number(from, source, where + ".from"), b = Number(to, source, where + ".to");
            double step = e.TryGetProperty("step", out var s) ? Number(s, source, where + ".step") : 1;
            if (!(step > 0) || b < a) throw Error(source, $"'{where}' needs from <= to and a positive step");
            int count = (int)Math.Floor((b - a) / step + 1e-9) + 1;
            return Enumerable.Range(0, count).Select(i => Math.Round(a + i * step, 12).ToString("G10", c));
        }
        throw Error(source, $"'{where}': a range is {{\"from\": A, \"to\": B, \"step\": S}} or {{\"log\": [A, B], \"count\": N}}");
    }

    private static double Number(JsonElement e, string source, string where) =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Error(source, $"'{where}' must be a number");

    private static (double, double) Pair(JsonElement e, string source, string where)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2) throw Error(source, $"'{where}' must be [low, high]");
        double lo = Number(e[0], source, where), hi = Number(e[1], source, where);
        if (!(hi >= lo)) throw Error(source, $"'{where}' must be [low, high] with low <= high");
        return (lo, hi);
    }

    private static RandomSearch ReadRandom(JsonElement e, string source)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(source, "'random' must be an object with budget, seed and space");
        int budget = e.TryGetProperty("budget", out var b) && b.TryGetInt32(out int n) && n >= 0 ? n : throw Error(source, "'random.budget' must be a non-negative integer");
        int seed = e.TryGetProperty("seed", out var s) ? (s.TryGetInt32(out int k) ? k : throw Error(source, "'random.seed' must be an integer")) : 1;
        if (!e.TryGetProperty("space", out var space) || space.ValueKind != JsonValueKind.Object) throw Error(source, "'random.space' must be an object: option -> distribution");
        var dims = new List<RandomDimension>();
        foreach (var p in space.EnumerateObject())
        {
            string where = "random.space." + p.Name;
            if (p.Value.ValueKind == JsonValueKind.Array)
            {
                var choices = Values(p.Name, p.Value, source, where);
                if (choices.Count == 0) throw Error(source, $"'{where}' has no values");
                dims.Add(new RandomDimension(p.Name, SampleKind.Choice, Choices: choices));
                continue;
            }
            if (p.Value.ValueKind != JsonValueKind.Object) throw Error(source, $"'{where}' must be a list (choice) or {{\"log-uniform\"|\"uniform\"|\"int\": [low, high]}}");
            var props = p.Value.EnumerateObject().ToList();
            if (props.Count != 1) throw Error(source, $"'{where}' must have exactly one of choice, uniform, log-uniform, int");
            var d = props[0];
            if (d.Name == "choice") { dims.Add(new RandomDimension(p.Name, SampleKind.Choice, Choices: Values(p.Name, d.Value, source, where + ".choice"))); continue; }
            var kind = d.Name switch
            {
                "uniform" => SampleKind.Uniform,
                "log-uniform" => SampleKind.LogUniform,
                "int" => SampleKind.Integer,
                _ => throw Error(source, $"'{where}': unknown distribution '{d.Name}' (choice, uniform, log-uniform, int)"),
            };
            var (lo, hi) = Pair(d.Value, source, $"{where}.{d.Name}");
            if (kind == SampleKind.LogUniform && lo <= 0) throw Error(source, $"'{where}.log-uniform' bounds must be positive");
            if (kind == SampleKind.Integer && (lo != Math.Floor(lo) || hi != Math.Floor(hi))) throw Error(source, $"'{where}.int' bounds must be integers");
            dims.Add(new RandomDimension(p.Name, kind, lo, hi));
        }
        if (dims.Count == 0) throw Error(source, "'random.space' is empty");
        return new RandomSearch(budget, seed, dims);
    }

    private static IReadOnlyList<int> ReadSeeds(JsonElement e, string source)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int count) && count >= 1) return [.. Enumerable.Range(1, count)];
        if (e.ValueKind == JsonValueKind.Array)
        {
            var seeds = e.EnumerateArray().Select(v => v.TryGetInt32(out int s) ? s : throw Error(source, "'seeds' must hold integers")).ToList();
            if (seeds.Count == 0 || seeds.Distinct().Count() != seeds.Count) throw Error(source, "'seeds' must be a non-empty list of distinct integers");
            return seeds;
        }
        throw Error(source, "'seeds' must be a count (3 = seeds 1..3) or a list of integers");
    }

    private static string ReadScore(JsonElement e, string source)
    {
        string? s = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (s is null || !SweepScore.IsKnown(s)) throw Error(source, $"'score' must be one of {string.Join(", ", SweepScore.Known)}");
        return s;
    }
}
