using System.Globalization;

namespace NeuralSparseGrids.Cli.Infrastructure;

/// <summary>Thrown for bad command lines; the message is shown to the user as is and the exit code is 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// A small, strict parser for `--name value` / `--flag` options and positional arguments.
/// Every option a command reads is marked as known; <see cref="EnsureAllConsumed"/> then rejects unknown ones,
/// so a typo never silently falls back to a default.
/// </summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = new();
    private int _positionalsConsumed;

    /// <summary>Parses raw arguments (after the command name).</summary>
    public CliArguments(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (i + 1 < list.Count && !IsOptionName(list[i + 1])) value = list[++i];
                if (_options.ContainsKey(name)) throw new CliUsageException($"Option --{name} is given twice.");
                _options[name] = value;
            }
            else _positionals.Add(a);
        }
    }

    /// <summary>
    /// A fresh copy (nothing consumed) with <paramref name="overrides"/> replacing or adding options: one configuration
    /// of a search on top of the command line. A `--level` override drops `--levels` (they exclude each other).
    /// </summary>
    public CliArguments With(IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var copy = new CliArguments([]);
        foreach (var (name, value) in _options) copy._options[name] = value;
        copy._positionals.AddRange(_positionals);
        foreach (var (name, value) in overrides)
        {
            copy._options[name] = value;
            if (name == "level") copy._options.Remove("levels");
        }
        return copy;
    }

    private static bool IsOptionName(string s) => s.StartsWith("--", StringComparison.Ordinal) && s.Length > 2 && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>True if the flag is present (a flag takes no value; `--flag true/false` is accepted too).</summary>
    public bool Flag(string name)
    {
        _consumed.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        if (v is null) return true;
        if (bool.TryParse(v, out bool b)) return b;
        throw new CliUsageException($"--{name} is a flag and takes no value (got '{v}').");
    }

    /// <summary>Gives option <paramref name="name"/> the value <paramref name="value"/> unless the command line set it (presets).</summary>
    public void SetDefault(string name, string value) => _options.TryAdd(name, value);

    /// <summary>String option or <paramref name="fallback"/>.</summary>
    public string? String(string name, string? fallback = null)
    {
        _consumed.Add(name);
        if (!_options.TryGetValue(name, out var v)) return fallback;
        return v ?? throw new CliUsageException($"--{name} needs a value.");
    }

    /// <summary>Required string option.</summary>
    public string Required(string name) => String(name) ?? throw new CliUsageException($"--{name} is required.");

    /// <summary>Integer option with range check.</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var s = String(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new CliUsageException($"--{name} expects an integer, got '{s}'.");
        if (v < min || v > max) throw new CliUsageException($"--{name} must be in [{min}, {max}], got {v}.");
        return v;
    }

    /// <summary>Floating-point option with range check (finite values only).</summary>
    public double Double(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var s = String(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new CliUsageException($"--{name} expects a number, got '{s}'.");
        if (v < min || v > max) throw new CliUsageException($"--{name} must be in [{min}, {max}], got {v}.");
        return v;
    }

    /// <summary>Enumerated option: <paramref name="choices"/> maps the accepted spellings to values.</summary>
    public T Choice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        var s = String(name);
        if (s is null) return fallback;
        if (choices.TryGetValue(s.ToLowerInvariant(), out var v)) return v;
        throw new CliUsageException($"--{name} must be one of {string.Join(", ", choices.Keys)}; got '{s}'.");
    }

    /// <summary>Next positional argument, or null.</summary>
    public string? Positional() => _positionalsConsumed < _positionals.Count ? _positionals[_positionalsConsumed++] : null;

    /// <summary>Rejects options and positionals that no reader asked for.</summary>
    public void EnsureAllConsumed()
    {
        var unknown = _options.Keys.Where(k => !_consumed.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CliUsageException($"Unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}. Known: {string.Join(", ", _consumed.Order().Select(c => "--" + c))}.");
        if (_positionalsConsumed < _positionals.Count)
            throw new CliUsageException($"Unexpected argument '{_positionals[_positionalsConsumed]}'.");
    }
}
