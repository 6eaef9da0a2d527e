using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class CsvReaderTests
{
    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    public void SeparatorIsDetected(char sep)
    {
        using var tmp = new TempDir();
        string s = sep.ToString();
        string path = tmp.File("d.csv", $"a{s}b{s}y\n1{s}2{s}3\n4{s}5.5{s}-6e1\n");
        var d = CsvReader.Read(path);
        Assert.Equal(["a", "b"], d.FeatureNames);
        Assert.Equal(["y"], d.TargetNames);
        Assert.Equal([1, 2, 4, 5.5], d.Features);
        Assert.Equal(new double[,] { { 3 }, { -60 } }, d.Targets);
    }

    [Fact]
    public void TargetsByNameIgnoredColumnsQuotesAndGzip()
    {
        using var tmp = new TempDir();
        string text = "id,\"t 1\",f1,t2,f2\r\n7,1,10,2,20\r\n\r\n8,\"3\",30,4,40\r\n";
        var opts = new CsvReadOptions(Targets: ["t 1", "t2"], IgnoreColumns: ["id"]);
        foreach (string path in new[] { tmp.File("d.csv", text), tmp.GzipFile("d.csv.gz", text) })
        {
            var d = CsvReader.Read(path, opts);
            Assert.Equal(["f1", "f2"], d.FeatureNames);
            Assert.Equal(["t 1", "t2"], d.TargetNames);
            Assert.Equal([10, 20, 30, 40], d.Features);
            Assert.Equal(new double[,] { { 1, 2 }, { 3, 4 } }, d.Targets);
        }
    }

    [Fact]
    public void ClassificationMapsValuesToLabels()
    {
        using var tmp = new TempDir();
        var d = CsvReader.Read(tmp.File("c.csv", "x,cls\n1,cat\n2,dog\n3,cat\n"), new CsvReadOptions(Kind: TargetKind.Classification));
        Assert.Equal(["cat", "dog"], d.ClassNames);
        Assert.Equal([0, 1, 0], d.Labels!);
        var n = CsvReader.Read(tmp.File("n.csv", "x,cls\n1,10\n2,-1\n3,2\n"), new CsvReadOptions(Kind: TargetKind.Classification));
        Assert.Equal(["-1", "2", "10"], n.ClassNames);
        Assert.Equal([2, 0, 1], n.Labels!);
    }

    [Theory]
    [InlineData("a,b,y\n1,2,3\n4,5\n", 3, "expected 3 fields")]
    [InlineData("a,b,y\n1,2,3\n\n4,5,6,7\n", 4, "found 4")]
    [InlineData("a,b,y\n1,2,3\n4,abc,6\n", 3, "column 'b': expected a finite number, found 'abc'")]
    [InlineData("a,b,y\n1,,3\n", 2, "column 'b'")]
    [InlineData("a,b,y\n1,2,NaN\n", 2, "column 'y'")]
    [InlineData("a,b,y\n1,2,?\n", 2, "missing values")]
    [InlineData("a,b,y\n1,\"2,3\n", 2, "unterminated")]
    [InlineData("a,a,y\n1,2,3\n", 1, "twice")]
    public void MalformedRowsReportLineAndColumn(string text, int line, string fragment)
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.csv", text);
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void UnknownTargetNamesTheHeader()
    {
        using var tmp = new TempDir();
        string path = tmp.File("d.csv", "\n\na,b\n1,2\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, new CsvReadOptions(Targets: ["c"])));
        Assert.Equal(3, e.Line);
        Assert.Contains("'c' not found", e.Message);
    }

    [Fact]
    public void Spectra_AreL2NormalisedPerRow()
    {
        using var tmp = new TempDir();
        string path = tmp.File("s.csv", "id;f1;f2;f3;teff;feh\n1;3;0;4;5000;-1.5\n2;1;1;1;6000;0.2\n");
        var d = SpectraReader.Read(path, new SpectraReadOptions(["feh"], IgnoreColumns: ["id", "teff"]));
        Assert.Equal(["f1", "f2", "f3"], d.FeatureNames);
        Assert.Equal(0.6, d.Feature(0, 0), 12);
        Assert.Equal(0.8, d.Feature(0, 2), 12);
        for (int i = 0; i < d.Rows; i++)
            Assert.Equal(1.0, Math.Sqrt(Enumerable.Range(0, 3).Sum(j => d.Feature(i, j) * d.Feature(i, j))), 12);
        Assert.Equal(new double[,] { { -1.5 }, { 0.2 } }, d.Targets);
        var raw = SpectraReader.Read(path, new SpectraReadOptions(["teff", "feh"], L2Normalize: false, IgnoreColumns: ["id"]));
        Assert.Equal(3.0, raw.Feature(0, 0));
        Assert.Equal(2, raw.TargetCount);
    }

    [Fact]
    public void Spectra_ZeroSpectrumIsRejectedWithItsLine()
    {
        using var tmp = new TempDir();
        string path = tmp.File("s.csv", "f1,f2,feh\n1,2,0\n\n0,0,1\n");
        var e = Assert.Throws<DataFormatException>(() => SpectraReader.Read(path, new SpectraReadOptions(["feh"])));
        Assert.Equal(4, e.Line);
    }
}
