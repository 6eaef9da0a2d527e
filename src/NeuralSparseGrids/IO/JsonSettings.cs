using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuralSparseGrids.IO;

/// <summary>
/// The one set of JSON serializer options every file this library writes uses (checkpoint state, run results,
/// plot data, data scaling): indented, camelCase names, enums as strings, NaN/Infinity allowed as named literals.
/// </summary>
public static class JsonSettings
{
    /// <summary>Serializer options shared by every JSON file the library reads and writes.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };
}
