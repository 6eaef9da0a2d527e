using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

public class ArffReaderTests
{
    [SkippableFact]
    public void Ripley_ReadsAsClassificationWithMinusOneAndOne()
    {
        string path = TestData.RequireShared("ripley", "ripleyGarcke.train.arff");
        var d = ArffReader.Read(path, new ArffReadOptions(Kind: TargetKind.Classification));
        Assert.Equal(250, d.Rows);
        Assert.Equal(2, d.Columns);
        Assert.Equal(["x0", "x1"], d.FeatureNames);
        Assert.Equal(["class"], d.TargetNames);
        Assert.Equal(["-1", "1"], d.ClassNames);
        Assert.Equal(250, d.ClassCounts().Sum());
        Assert.All(d.ClassCounts(), c => Assert.True(c > 50));
        // First data row: 0.561286,0.37669,-1.0
        Assert.Equal(0.561286, d.Feature(0, 0));
        Assert.Equal(0.37669, d.Feature(0, 1));
        Assert.Equal(0, d.Labels![0]);
        Assert.All(d.Features, v => Assert.InRange(v, 0.0, 1.0));
    }

    [SkippableFact]
    public void Ripley_DefaultsToRegressionOnNumericTarget()
    {
        string path = TestData.RequireShared("ripley", "ripleyGarcke.train.arff");
        var d = ArffReader.Read(path);
        Assert.Equal(DatasetTask.Regression, d.Task);
        Assert.All(Enumerable.Range(0, d.Rows), i => Assert.Contains(d.Targets![i, 0], new[] { -1.0, 1.0 }));
    }

    [SkippableFact]
    public void Friedman_GzippedReadsAllRowsOfTenFeatures()
    {
        string path = TestData.RequireShared("friedman", "friedman1_10d_2000.arff.gz");
        var d = ArffReader.Read(path);
        // Despite its name the file holds 2001 data rows (checked independently with zcat | awk).
        Assert.Equal(2001, d.Rows);
        Assert.Equal(10, d.Columns);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => "x" + i), d.FeatureNames);
        Assert.Equal(0.805627136259, d.Feature(0, 0));
        Assert.Equal(15.2120669235, d.Targets![0, 0]);
        Assert.Equal(0.0242717976065, d.Feature(1, 0));
    }

    [Fact]
    public void GzipIsDetectedByMagicBytesToo()
    {
        using var tmp = new TempDir();
        string text = "@relation r\n@attribute a numeric\n@attribute y real\n@data\n1,2\n3,4\n";
        var a = ArffReader.Read(tmp.GzipFile("noext.arff", text));
        var b = ArffReader.Read(tmp.File("plain.arff", text));
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Targets, b.Targets);
        var e = Assert.Throws<DataFormatException>(() => ArffReader.Read(tmp.File("fake.arff.gz", text)));
        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void NominalTargetChosenByName_CommentsAndQuotes()
    {
        using var tmp = new TempDir();
        string path = tmp.File("n.arff", """
            % a comment
            @RELATION 'test data'

            @ATTRIBUTE 'the label' {no, yes}
            @ATTRIBUTE a NUMERIC
            @Attribute b INTEGER
            @DATA
            % another comment
            yes, 1.5, 2
            'no',-1e-3,4
            """);
        var d = ArffReader.Read(path, new ArffReadOptions(Target: "the label"));
        Assert.Equal(DatasetTask.Classification, d.Task);
        Assert.Equal(["no", "yes"], d.ClassNames);
        Assert.Equal([1, 0], d.Labels!);
        Assert.Equal(["a", "b"], d.FeatureNames);
        Assert.Equal([1.5, 2, -1e-3, 4], d.Features);
    }

    [Theory]
    [InlineData("1,2\n3,?\n", 6, "'?'")]
    [InlineData("1,2\n3,NaN\n", 6, "NaN")]
    [InlineData("1,2\ninf,1\n", 6, "NaN and infinite")]
    [InlineData("1,2\n3\n", 6, "expected 2 comma-separated values")]
    [InlineData("1,2\n\n% c\n3,x\n", 8, "attribute 'y': expected a finite number, found 'x'")]
    [InlineData("1,2\n{0 1}\n", 6, "sparse")]
    public void MalformedDataRowsReportTheLine(string rows, int line, string fragment)
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.arff", "@relation r\n@attribute a numeric\n@attribute y numeric\n@data\n" + rows);
        var e = Assert.Throws<DataFormatException>(() => ArffReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith($"{path}:{line}: ", e.Message);
    }

    [Theory]
    [InlineData("@relation r\n@attribute a string\n@attribute y numeric\n@data\n", 2, "expected type numeric")]
    [InlineData("@relation r\n@attribute a {u,v}\n@attribute y numeric\n@data\n", 2, "only supported as the target")]
    [InlineData("@relation r\n@attribute a numeric\n@attribute y numeric\n1,2\n", 4, "expected @relation, @attribute or @data")]
    [InlineData("@relation r\n@attribute a numeric\n@attribute y {p,q}\n@data\n1,p\n2,r\n", 6, "expected one of {p,q}")]
    [InlineData("@relation r\n@attribute a numeric\n@attribute a numeric\n@data\n", 3, "declared twice")]
    public void MalformedHeadersReportTheLine(string text, int line, string fragment)
    {
        using var tmp = new TempDir();
        string path = tmp.File("bad.arff", text);
        var e = Assert.Throws<DataFormatException>(() => ArffReader.Read(path));
        Assert.Equal(line, e.Line);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void MissingDataSectionAndUnknownTargetAreErrors()
    {
        using var tmp = new TempDir();
        var e1 = Assert.Throws<DataFormatException>(() => ArffReader.Read(tmp.File("a.arff", "@relation r\n@attribute a numeric\n")));
        Assert.Contains("@data", e1.Message);
        string ok = tmp.File("b.arff", "@relation r\n@attribute a numeric\n@attribute y numeric\n@data\n1,2\n");
        var e2 = Assert.Throws<DataFormatException>(() => ArffReader.Read(ok, new ArffReadOptions(Target: "z")));
        Assert.Contains("'z' not found", e2.Message);
        Assert.Contains("a, y", e2.Message);
    }
}
