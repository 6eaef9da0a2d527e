using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Models;

namespace NeuralSparseGrids.Tests.Cli;

public sealed class ExperimentOptionsTests
{
    [Fact]
    public void Mnist_defaults_are_the_thesis_model_with_an_80_10_10_split()
    {
        var spec = ExperimentOptions.Parse(new CliArguments(["--data", "mnist"]));
        Assert.IsType<CnnEncoderConfig>(spec.Model.Encoder);
        Assert.Equal(8, spec.Model.Latent);
        Assert.Equal(4, spec.Model.Grid.Level);
        Assert.Equal(new Rescaling(RescaleKind.Margin, 0.1), spec.Model.Rescale);
        Assert.Equal((0.8, 0.1, 0.1), spec.Split);
    }

    [Fact]
    public void Spectra_preset_sets_the_thesis_model_and_explicit_options_win()
    {
        var args = new CliArguments(["--data", "spectra:x.csv", "--target", "a,b,c", "--preset", "spectra", "--level", "5"]);
        var spec = ExperimentOptions.Parse(args);
        args.EnsureAllConsumed();
        Assert.Equal(new[] { 1000, 40 }, Assert.IsType<MlpEncoderConfig>(spec.Model.Encoder).HiddenLayers);
        Assert.Equal(3, spec.Model.Latent);
        Assert.Equal(5, spec.Model.Grid.Level);
        Assert.Equal(GridType.Linear, spec.Model.Grid.Type);
        Assert.Equal(0.0005, spec.Training.LearningRate);
        Assert.Equal((0.7, 0.15, 0.15), spec.Split);
    }

    [Fact]
    public void Unknown_preset_is_a_usage_error()
    {
        var e = Assert.Throws<CliUsageException>(() => ExperimentOptions.Parse(new CliArguments(["--data", "mnist", "--preset", "cifar"])));
        Assert.Contains("spectra", e.Message);
    }

    [Theory]
    [InlineData("cnn", "--activation", "tanh")]
    [InlineData("cnn", "--latent-gain", "3")]
    [InlineData("3,25,25", "--cnn-width", "16")]
    public void An_option_of_the_other_encoder_family_is_refused_not_dropped(string encoder, string option, string value)
    {
        var e = Assert.Throws<CliUsageException>(() => ExperimentOptions.Parse(new CliArguments(["--data", "mnist", "--encoder", encoder, option, value])));
        Assert.Contains(option, e.Message);
        Assert.Contains("encoders only", e.Message);
    }
}
