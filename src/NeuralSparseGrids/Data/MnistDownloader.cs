namespace NeuralSparseGrids.Data;

/// <summary>
/// Downloads the four gzip files of the standard MNIST distribution into a cache directory.
/// </summary>
/// <remarks>
/// Each file is fetched from <c>BaseUrl + name</c> into a temporary file in the cache directory, checked (gzip
/// and IDX magic number and length, see <see cref="IdxFile"/>) and then renamed into place, so a finished name is
/// never a partial download. Files already present and valid are not downloaded again. The loaded data come from
/// <see cref="IdxFile.LoadMnist(string, MnistPart)"/> on the same directory.
/// </remarks>
public sealed class MnistDownloader
{
    /// <summary>Default mirror, the Google-hosted copy of Yann LeCun's files.</summary>
    public const string DefaultBaseUrl = "https://storage.googleapis.com/cvdf-datasets/mnist/";

    /// <summary>The four file names fetched (train images/labels, test images/labels).</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ];

    private readonly HttpClient _http;

    /// <summary>Creates a downloader.</summary>
    /// <param name="http">HTTP client to use; <see langword="null"/> for a new one. Not disposed by this class.</param>
    /// <param name="baseUrl">Base URL the file names are appended to; <see langword="null"/> for <see cref="DefaultBaseUrl"/>.
    /// A missing trailing slash is added.</param>
    public MnistDownloader(HttpClient? http = null, string? baseUrl = null)
    {
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        string b = string.IsNullOrWhiteSpace(baseUrl) ? DefaultBaseUrl : baseUrl.Trim();
        BaseUrl = b.EndsWith('/') ? b : b + "/";
    }

    /// <summary>Base URL the file names are appended to (ends with <c>/</c>).</summary>
    public string BaseUrl { get; }

    /// <summary>Downloads any missing or invalid files into <paramref name="cacheDirectory"/>.</summary>
    /// <param name="cacheDirectory">Target directory (created if needed); <see langword="null"/> for <see cref="DataCache.MnistDirectory"/>.</param>
    /// <param name="cancellationToken">Cancels the downloads; partial temporary files are removed.</param>
    /// <returns>The cache directory, ready for <see cref="IdxFile.LoadMnist(string, MnistPart)"/>.</returns>
    /// <exception cref="HttpRequestException">A request failed.</exception>
    /// <exception cref="DataFormatException">A downloaded file is not a valid MNIST IDX file.</exception>
    public async Task<string> DownloadAsync(string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        string dir = Path.GetFullPath(cacheDirectory ?? DataCache.MnistDirectory);
        Directory.CreateDirectory(dir);
        foreach (string name in FileNames)
        {
            string final = Path.Combine(dir, name);
            bool images = name.Contains("images", StringComparison.Ordinal);
            if (File.Exists(final) && IsValid(final, images)) continue;

            // The temporary name keeps the .gz ending, so validation insists on real gzip content.
            string temp = Path.Combine(dir, $".tmp-{Guid.NewGuid():N}-{name}");
            try
            {
                using (var response = await _http.GetAsync(new Uri(BaseUrl + name), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
                {
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                    await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
                IdxFile.Validate(temp, images);
                File.Move(temp, final, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        return dir;
    }

    private static bool IsValid(string path, bool images)
    {
        try
        {
            IdxFile.Validate(path, images);
            return true;
        }
        catch (Exception e) when (e is DataFormatException or IOException)
        {
            return false;
        }
    }
}
