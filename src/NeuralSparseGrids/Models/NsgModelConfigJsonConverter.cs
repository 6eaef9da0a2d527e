using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NeuralSparseGrids.Models;

/// <summary>
/// Reads and writes a <see cref="NsgModelConfig"/> as a JSON object of its properties (named by the serializer's
/// naming policy, each written with the serializer's own rules, so the encoder is the polymorphic
/// <see cref="EncoderConfig"/> object and enums follow the options). Reading also accepts the flat shape written
/// before the configuration was grouped by concern (<see cref="LegacyModelConfig"/>), so old checkpoints, model files
/// and run results still load. Properties are found by reflection, so a property added to the record is carried
/// without touching this class.
/// </summary>
public sealed class NsgModelConfigJsonConverter : JsonConverter<NsgModelConfig>
{
    private static readonly PropertyInfo[] Properties =
        [.. typeof(NsgModelConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite)];

    /// <inheritdoc/>
    public override NsgModelConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (JsonNode.Parse(ref reader) is not JsonObject json)
            throw new JsonException("A model configuration must be a JSON object.");
        if (LegacyModelConfig.IsFlat(json)) json = LegacyModelConfig.Group(json, options);
        var config = new NsgModelConfig();
        foreach (var property in Properties)
        {
            if (LegacyModelConfig.Find(json, JsonName(property.Name, options)) is not { } found) continue; // absent or null: the default
            property.SetValue(config, found.Deserialize(property.PropertyType, options)); // init-only setter, on the fresh instance only
        }
        return config;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, NsgModelConfig value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var property in Properties)
        {
            object? v = property.GetValue(value);
            if (v is null && options.DefaultIgnoreCondition == JsonIgnoreCondition.WhenWritingNull) continue;
            writer.WritePropertyName(JsonName(property.Name, options));
            JsonSerializer.Serialize(writer, v, property.PropertyType, options);
        }
        writer.WriteEndObject();
    }

    /// <summary>The JSON name of a C# property name under <paramref name="options"/>' naming policy.</summary>
    internal static string JsonName(string name, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(name) ?? name;
}
