using System.Text.Json;
using System.Text.Json.Nodes;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.IO;
using NeuralSparseGrids.Layers;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Tests.Models;

/// <summary>
/// The model configuration grouped by concern (encoder, grid, rescaling) in JSON: the new shape round-trips, and the
/// flat shape every checkpoint, model file and result.json was written in before the split still loads.
/// </summary>
public class NsgModelConfigJsonTests
{
    private sealed record Holder(NsgModelConfig Model);

    // Exactly what JsonSettings wrote for a flat NsgModelConfig before the split (camelCase, enums as strings),
    // every field away from its default.
    private const string FlatMlp = """
        {
          "task": "Classification",
          "maxGridBytes": 123456789,
          "inputs": 5,
          "encoder": "Mlp",
          "hiddenLayers": [7, 4],
          "activation": "Tanh",
          "cnnWidth": 16,
          "imageSize": 28,
          "latent": 3,
          "level": 4,
          "levels": [4, 2, 3],
          "grid": "LinearBoundary",
          "rescale": "margin:0.2",
          "head": "Dense",
          "coefficientInit": "Zeros",
          "latentInitGain": 2.5,
          "outputs": 3
        }
        """;

    [Fact]
    public void Flat_legacy_json_puts_every_field_in_its_record()
    {
        var config = JsonSerializer.Deserialize<NsgModelConfig>(FlatMlp, JsonSettings.Options)!;
        Assert.Equal(NsgTask.Classification, config.Task);
        Assert.Equal(5, config.Inputs);
        Assert.Equal(3, config.Outputs);
        Assert.Equal(3, config.Latent);
        Assert.Equal(HeadKind.Dense, config.Head);
        Assert.Equal(new Rescaling(RescaleKind.Margin, 0.2), config.Rescale);
        var mlp = Assert.IsType<MlpEncoderConfig>(config.Encoder);
        Assert.Equal([7, 4], mlp.HiddenLayers);
        Assert.Equal(Activation.Tanh, mlp.Activation);
        Assert.Equal(2.5, mlp.LatentInitGain);
        Assert.Equal(GridType.LinearBoundary, config.Grid.Type);
        Assert.Equal(4, config.Grid.Level);
        Assert.Equal([4, 2, 3], config.Grid.Levels!);
        Assert.Equal(CoefficientInit.Zeros, config.Grid.CoefficientInit);
        Assert.Equal(123456789L, config.Grid.MaxBytes);
        config.Validate();
    }

    [Fact]
    public void Flat_legacy_cnn_json_with_numeric_enums_inside_a_file_loads_as_a_cnn_encoder()
    {
        // The CLI's --json options wrote enums as numbers; here the configuration also sits inside another record,
        // as in a checkpoint's state.json or a run's result.json. Unused MLP settings of a CNN are dropped.
        const string json = """
            { "model": { "task": 1, "inputs": 64, "encoder": 1, "hiddenLayers": [], "activation": 0, "cnnWidth": 6,
                         "imageSize": 8, "latent": 2, "level": 3, "levels": null, "grid": 3, "rescale": "tanh",
                         "head": 0, "coefficientInit": 1, "latentInitGain": 1, "maxGridBytes": null, "outputs": 4 } }
            """;
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        var config = JsonSerializer.Deserialize<Holder>(json, options)!.Model;
        var cnn = Assert.IsType<CnnEncoderConfig>(config.Encoder);
        Assert.Equal(6, cnn.Width);
        Assert.Equal(8, cnn.ImageSize);
        Assert.Equal(NsgTask.Classification, config.Task);
        Assert.Equal(64, config.Inputs);
        Assert.Equal(4, config.Outputs);
        Assert.Equal((GridType)3, config.Grid.Type);
        Assert.Equal(3, config.Grid.Level);
        Assert.Null(config.Grid.Levels);
        Assert.Null(config.Grid.MaxBytes);
        Assert.Equal((CoefficientInit)1, config.Grid.CoefficientInit);
        Assert.Equal(RescaleKind.Tanh, config.Rescale.Kind);
        config.Validate();
    }

    public static TheoryData<NsgModelConfig> NewShapes => new()
    {
        new NsgModelConfig
        {
            Task = NsgTask.Classification, Inputs = 5, Outputs = 3, Latent = 3, Head = HeadKind.Dense,
            Encoder = new MlpEncoderConfig { HiddenLayers = [7, 4], Activation = Activation.LeakyReLU, LatentInitGain = 3 },
            Grid = new GridConfig { Type = GridType.ModifiedLinear, Level = 4, Levels = [4, 1, 2], CoefficientInit = CoefficientInit.Zeros, MaxBytes = 1 << 20 },
            Rescale = Rescaling.Parse("margin:0.05"),
        },
        new NsgModelConfig { Inputs = 100, Encoder = new CnnEncoderConfig { Width = 5, ImageSize = 10 }, Grid = new GridConfig { Level = 2 } },
        new NsgModelConfig(),
    };

    [Theory]
    [MemberData(nameof(NewShapes))]
    public void New_shape_round_trips_grouped_by_concern(NsgModelConfig config)
    {
        string json = JsonSerializer.Serialize(config, JsonSettings.Options);
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(["task", "inputs", "outputs", "latent", "head", "encoder", "rescale", "grid"], node.Select(p => p.Key));
        Assert.Equal(config.Encoder is CnnEncoderConfig ? "cnn" : "mlp", (string?)node["encoder"]!["kind"]);
        Assert.Equal("kind", node["encoder"]!.AsObject().First().Key); // the discriminator leads, as polymorphic reading needs
        Assert.Equal(config.Grid.Type.ToString(), (string?)node["grid"]!["type"]);
        Assert.Equal(config, JsonSerializer.Deserialize<NsgModelConfig>(json, JsonSettings.Options));
        // The same under the serializer's defaults (PascalCase, enums as numbers), inside another record.
        string pascal = JsonSerializer.Serialize(new Holder(config));
        Assert.Contains("\"Encoder\":{\"kind\":", pascal);
        Assert.Equal(config, JsonSerializer.Deserialize<Holder>(pascal)!.Model);
    }

    [Fact]
    public void Configs_with_equal_widths_and_levels_are_equal_values()
    {
        static NsgModelConfig Make(int width, int level) => new()
        {
            Latent = 2, Encoder = new MlpEncoderConfig { HiddenLayers = [width, 3] }, Grid = new GridConfig { Levels = [level, 2] },
        };
        Assert.Equal(Make(4, 3), Make(4, 3)); // separate arrays, same contents: a resumed checkpoint's model matches
        Assert.NotEqual(Make(4, 3), Make(5, 3));
        Assert.NotEqual(Make(4, 3), Make(4, 4));
        Assert.NotEqual<EncoderConfig>(new MlpEncoderConfig(), new CnnEncoderConfig());
    }

    [Fact]
    public void Unknown_legacy_encoder_is_a_clear_json_error()
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<NsgModelConfig>("""{ "encoder": "Transformer", "level": 3 }""", JsonSettings.Options));
        Assert.Contains("unknown encoder \"Transformer\"", e.Message);
    }

    [Fact]
    public void Validate_names_the_inconsistent_setting_in_each_part()
    {
        Assert.Contains("Grid level must be at least 1", Assert.Throws<ArgumentException>(() => new NsgModelConfig { Grid = new GridConfig { Level = 0 } }.Validate()).Message);
        Assert.Contains("Levels must give one level in 1..30 per latent dimension (2)",
            Assert.Throws<ArgumentException>(() => new NsgModelConfig { Grid = new GridConfig { Levels = [3] } }.Validate()).Message);
        Assert.Contains("Hidden layer widths must be positive",
            Assert.Throws<ArgumentException>(() => new NsgModelConfig { Encoder = new MlpEncoderConfig { HiddenLayers = [4, 0] } }.Validate()).Message);
        Assert.Contains("needs 784 inputs (got 3)", Assert.Throws<ArgumentException>(() => new NsgModelConfig { Encoder = new CnnEncoderConfig() }.Validate()).Message);
    }
}
