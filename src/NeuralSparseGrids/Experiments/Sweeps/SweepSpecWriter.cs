using System.Globalization;
using System.Text;
using System.Text.Json;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>Writes a <see cref="SweepSpec"/> as canonical JSON in the format <see cref="SweepSpecReader"/> reads.</summary>
public static class SweepSpecWriter
{
    /// <summary>The spec as indented JSON text (same spec, same text: the sweep folder's identity check relies on it).</summary>
    public static string ToJson(SweepSpec spec)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = SweepJson.Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("name", spec.Name);
            w.WritePropertyName("base");
            WriteOptions(w, spec.Base);
            if (spec.Axes.Count > 0)
            {
                w.WriteStartObject("axes");
                foreach (var axis in spec.Axes)
                {
                    w.WritePropertyName(axis.Name);
                    WriteValues(w, axis.Name, axis.Values);
                }
                w.WriteEndObject();
            }
            if (spec.Random is { } random)
            {
                w.WriteStartObject("random");
                w.WriteNumber("budget", random.Budget);
                w.WriteNumber("seed", random.Seed);
                w.WriteStartObject("space");
                foreach (var d in random.Space)
                {
                    w.WritePropertyName(d.Name);
                    if (d.Kind == SampleKind.Choice) { WriteValues(w, d.Name, d.Choices!); continue; }
                    w.WriteStartObject();
                    w.WriteStartArray(d.Kind switch { SampleKind.LogUniform => "log-uniform", SampleKind.Integer => "int", _ => "uniform" });
                    w.WriteNumberValue(d.Low);
                    w.WriteNumberValue(d.High);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteStartArray("seeds");
            foreach (int s in spec.Seeds) w.WriteNumberValue(s);
            w.WriteEndArray();
            if (spec.Score != null) w.WriteString("score", spec.Score);
            if (spec.Table != null)
            {
                w.WritePropertyName("table");
                JsonSerializer.Serialize(w, spec.Table, SweepJson.Options);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteValues(Utf8JsonWriter w, string name, IReadOnlyList<AxisValue> values)
    {
        w.WriteStartArray();
        foreach (var v in values)
        {
            bool plain = v.Report is null && v.Settings.Count == 1 && v.Settings[0].Key == name && v.Label == (v.Settings[0].Value ?? "true");
            if (plain) { WriteScalar(w, v.Settings[0].Value); continue; }
            w.WriteStartObject();
            w.WriteString("label", v.Label);
            w.WritePropertyName("set");
            WriteOptions(w, v.Settings);
            if (v.Report != null)
            {
                w.WritePropertyName("report");
                JsonSerializer.Serialize(w, v.Report, SweepJson.Options);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteOptions(Utf8JsonWriter w, IReadOnlyList<KeyValuePair<string, string?>> options)
    {
        w.WriteStartObject();
        foreach (var (key, value) in options)
        {
            w.WritePropertyName(key);
            WriteScalar(w, value);
        }
        w.WriteEndObject();
    }

    // Numbers go out as numbers with their text unchanged, true/false as booleans, the rest as strings.
    private static void WriteScalar(Utf8JsonWriter w, string? value)
    {
        if (value is null or "true") w.WriteBooleanValue(true);
        else if (value == "false") w.WriteBooleanValue(false);
        else if (IsJsonNumber(value)) w.WriteRawValue(value);
        else w.WriteStringValue(value);
    }

    private static bool IsJsonNumber(string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v)) return false;
        try { using var _ = JsonDocument.Parse(s); return true; }
        catch (JsonException) { return false; }
    }
}
