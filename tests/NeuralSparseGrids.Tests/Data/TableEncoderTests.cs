using NeuralSparseGrids.Data;

namespace NeuralSparseGrids.Tests.Data;

/// <summary>Raw table files (header, quotes, NA, text labels, categories, no header, gz) through the table encoder.</summary>
public sealed class TableEncoderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // 12 rows: a numeric input, a quoted categorical input, the text label in the middle.
    private const string Mixed =
        "\"size\",\"label\",\"colour\"\n" +
        "1,\"cat\",\"red\"\n2,\"dog\",\"blue\"\n3,\"cat\",\"red\"\n4,\"dog\",\"green\"\n5,\"cat\",\"blue\"\n6,\"dog\",\"red\"\n" +
        "7,\"cat\",\"green\"\n8,\"dog\",\"blue\"\n9,\"cat\",\"red\"\n10,\"dog\",\"green\"\n11,\"cat\",\"blue\"\n12,\"dog\",\"red\"\n";

    [Fact]
    public void RawCsvKeepsHeaderQuotesAndMissingCells()
    {
        var t = CsvReader.ReadRaw(_dir.File("a.csv", "\"a\",\"b\",\"c\"\n1,NA,\"x\"\n2,,\"\"\n3,?,\"NA\"\n"));
        Assert.True(t.HasHeader);
        Assert.Equal(["a", "b", "c"], t.Names);
        Assert.Equal([false, false, true], t.Quoted);
        Assert.Null(t[0, 1]);
        Assert.Null(t[1, 1]);
        Assert.Null(t[1, 2]); // a quoted empty cell is missing too
        Assert.Null(t[2, 1]);
        Assert.Equal("NA", t[2, 2]); // quoted "NA" is text, as in R
        Assert.Equal([2, 3, 4], t.Lines);
    }

    [Fact]
    public void FileWithoutHeaderIsDetectedAndNamedByPosition()
    {
        var t = CsvReader.ReadRaw(_dir.File("n.csv", "1,2,a\n3,4,b\n"));
        Assert.False(t.HasHeader);
        Assert.Equal(["V1", "V2", "V3"], t.Names);
        Assert.Equal(2, t.Rows);
        // A header over numeric columns is recognised even when one column is text.
        Assert.True(CsvReader.ReadRaw(_dir.File("h.csv", "x,y,z\n1,2,a\n3,4,b\n")).HasHeader);
    }

    [Fact]
    public void TaskDetectionFollowsTheStatedRule()
    {
        DatasetTask Detect(string csv) => TableEncoder.DetectTask(CsvReader.ReadRaw(_dir.File(Guid.NewGuid() + ".csv", csv)), 1).Task;
        Assert.Equal(DatasetTask.Classification, Detect("x,y\n1,\"1\"\n2,\"2\"\n"));                // quoted
        Assert.Equal(DatasetTask.Classification, Detect("x,y\n1,neg\n2,pos\n"));                    // text
        Assert.Equal(DatasetTask.Classification, Detect("x,y\n1,-1\n2,1\n3,1\n"));                  // integer codes, 2 values
        Assert.Equal(DatasetTask.Regression, Detect("x,y\n1,0.5\n2,1.5\n"));                        // decimals
        var many = "x,y\n" + string.Concat(Enumerable.Range(0, TableOptions.MaxIntegerClasses + 1).Select(i => $"{i},{i}\n"));
        Assert.Equal(DatasetTask.Regression, Detect(many));                                         // 11 distinct integers
    }

    [Fact]
    public void TextLabelsAndCategoriesAreEncodedWithTheTrainingSplitOnly()
    {
        var table = CsvReader.ReadRaw(_dir.GzipFile("m.csv.gz", Mixed));
        var split = TableSplit.Create(table, new TableOptions { Target = "label" }, 0.5, 0.25, 0.25, seed: 3);
        var enc = split.Encoder;
        Assert.Equal(DatasetTask.Classification, enc.Task);
        Assert.Equal(["cat", "dog"], enc.ClassNames);
        Assert.Equal(["size", "colour=blue", "colour=green", "colour=red"], enc.EncodedNames);
        Assert.Equal(6 + 3 + 3, split.Train.Rows + split.Validation.Rows + split.Test.Rows);
        // Min-max with the training split: training inputs in [0,1] with 0 and 1 attained for 'size'.
        var trainSize = Enumerable.Range(0, split.Train.Rows).Select(i => split.Train.Feature(i, 0)).ToArray();
        Assert.Equal(0, trainSize.Min(), 12);
        Assert.Equal(1, trainSize.Max(), 12);
        // One-hot rows hold exactly one 1.
        for (int i = 0; i < split.Test.Rows; i++)
            Assert.Equal(1.0, split.Test.Feature(i, 1) + split.Test.Feature(i, 2) + split.Test.Feature(i, 3));
        // The encoder survives a JSON round trip (it is saved with the model) and encodes the same way.
        var json = System.Text.Json.JsonSerializer.Serialize(enc, NeuralSparseGrids.IO.JsonSettings.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<TableEncoder>(json, NeuralSparseGrids.IO.JsonSettings.Options)!;
        Assert.Equal(enc.Transform(table).Features, back.Transform(table).Features);
    }

    [Fact]
    public void ColumnsAreMatchedByNameInAnyOrder()
    {
        var table = CsvReader.ReadRaw(_dir.File("m.csv", Mixed));
        var enc = TableSplit.Create(table, new TableOptions { Target = "label" }, 0.5, 0.25, 0.25, seed: 1).Encoder;
        var reordered = CsvReader.ReadRaw(_dir.File("r.csv", "\"colour\",\"label\",\"size\"\n\"red\",\"dog\",3\n\"blue\",\"cat\",1\n"));
        var original = CsvReader.ReadRaw(_dir.File("o.csv", "\"size\",\"label\",\"colour\"\n3,\"dog\",\"red\"\n1,\"cat\",\"blue\"\n"));
        var a = enc.Transform(reordered);
        var b = enc.Transform(original);
        Assert.Equal(b.Features, a.Features);
        Assert.Equal(b.Labels, a.Labels);
        var e = Assert.Throws<DataFormatException>(() => enc.Transform(CsvReader.ReadRaw(_dir.File("x.csv", "\"size\",\"label\"\n1,\"cat\"\n"))));
        Assert.Contains("'colour'", e.Message);
    }

    [Fact]
    public void UnseenCategoryIsAnErrorOrAllZeros()
    {
        var table = CsvReader.ReadRaw(_dir.File("m.csv", Mixed));
        var other = CsvReader.ReadRaw(_dir.File("u.csv", "\"size\",\"label\",\"colour\"\n3,\"dog\",\"purple\"\n"));
        var enc = TableSplit.Create(table, new TableOptions { Target = "label" }, 0.5, 0.25, 0.25, seed: 1).Encoder;
        var e = Assert.Throws<DataFormatException>(() => enc.Transform(other));
        Assert.Contains("'colour'", e.Message);
        Assert.Contains("'purple'", e.Message);
        Assert.Equal(2, e.Line);
        var ignore = TableSplit.Create(table, new TableOptions { Target = "label", UnknownCategory = UnknownCategory.Ignore }, 0.5, 0.25, 0.25, seed: 1).Encoder;
        var x = ignore.Transform(other);
        Assert.Equal([0.0, 0.0, 0.0], x.Features[1..4]);
    }

    [Fact]
    public void MissingValuesAreAnErrorOrDroppedOrImputedWithTheTrainingMedian()
    {
        string csv = "a,b,y\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"{i},{(i == 7 ? "NA" : (i * 10).ToString())},{i % 2}.5\n"));
        var table = CsvReader.ReadRaw(_dir.File("na.csv", csv));
        var e = Assert.Throws<DataFormatException>(() => TableSplit.Create(table, new TableOptions(), 0.6, 0.2, 0.2, 1));
        Assert.Equal(8, e.Line);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("na.csv", e.Message);

        var notes = new List<string>();
        var dropped = TableSplit.Create(table, new TableOptions { Missing = MissingValues.DropRows }, 0.6, 0.2, 0.2, 1, notes);
        Assert.Equal(19, dropped.Train.Rows + dropped.Validation.Rows + dropped.Test.Rows);
        Assert.Contains(notes, n => n.Contains("Left out 1 of 20"));

        var imputed = TableSplit.Create(table, new TableOptions { Missing = MissingValues.ImputeMedian, Scale = InputScaling.None }, 0.6, 0.2, 0.2, 1);
        Assert.Equal(20, imputed.Train.Rows + imputed.Validation.Rows + imputed.Test.Rows);
        // The fill value is the median of column b over the training rows (b = 10 * a, row 7 missing).
        var trainB = imputed.Indices[0].Where(r => r != 6).Select(r => 10.0 * (r + 1)).Order().ToArray();
        double median = trainB.Length % 2 == 1 ? trainB[trainB.Length / 2] : 0.5 * (trainB[trainB.Length / 2 - 1] + trainB[trainB.Length / 2]);
        Assert.Equal(median, imputed.Encoder.Inputs[1].Fill);
    }

    [Fact]
    public void DroppedColumnsAndStandardScaling()
    {
        string csv = "id,a,y\n" + string.Concat(Enumerable.Range(1, 10).Select(i => $"{100 + i},{i * i},{i}.25\n"));
        var split = TableSplit.Create(CsvReader.ReadRaw(_dir.File("d.csv", csv)), new TableOptions { Drop = ["id"], Scale = InputScaling.Standard }, 0.6, 0.2, 0.2, 1);
        Assert.Equal(["a"], split.Encoder.EncodedNames);
        var x = Enumerable.Range(0, split.Train.Rows).Select(i => split.Train.Feature(i, 0)).ToArray();
        Assert.Equal(0, x.Average(), 12);
        Assert.Equal(1, Math.Sqrt(x.Sum(v => v * v) / x.Length), 12);
        Assert.Throws<DataFormatException>(() => TableSplit.Create(CsvReader.ReadRaw(_dir.File("d2.csv", csv)), new TableOptions { Drop = ["nope"] }, 0.6, 0.2, 0.2, 1));
    }

    [Fact]
    public void TooFewRowsNameTheEmptySplitAndTheRowsNeeded()
    {
        var table = CsvReader.ReadRaw(_dir.File("three.csv", "a,y\n1,0.5\n2,1.5\n3,2.5\n"));
        var e = Assert.Throws<InvalidDataException>(() => TableSplit.Create(table, new TableOptions(), 0.6, 0.2, 0.2, 1));
        Assert.Contains("split is empty", e.Message);
        Assert.Contains("at least", e.Message);
    }

    [Fact]
    public void StrayWordInANumericColumnIsAnErrorNotACategory()
    {
        string csv = "a,y\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"{(i == 5 ? "1O" : i.ToString())},{i}.5\n"));
        var e = Assert.Throws<DataFormatException>(() => TableSplit.Create(CsvReader.ReadRaw(_dir.File("w.csv", csv)), new TableOptions(), 0.6, 0.2, 0.2, 1));
        Assert.Equal(6, e.Line);
        Assert.Contains("'1O'", e.Message);
    }

    [Fact]
    public void ArffNominalFeaturesAndTargetAreCategories()
    {
        string arff = "@relation r\n@attribute x numeric\n@attribute c {lo,hi}\n@attribute y {no,yes}\n@data\n" +
                      string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},{(i % 3 == 0 ? "hi" : "lo")},{(i % 2 == 0 ? "yes" : "no")}\n")) + "?,lo,no\n";
        var table = ArffReader.ReadRaw(_dir.File("n.arff", arff));
        Assert.Equal(["lo", "hi"], table.Nominal[1]!);
        Assert.Null(table[12, 0]);
        var split = TableSplit.Create(table, new TableOptions { Missing = MissingValues.ImputeMedian }, 0.5, 0.25, 0.25, 1);
        Assert.Equal(DatasetTask.Classification, split.Encoder.Task);
        Assert.Equal(["no", "yes"], split.Encoder.ClassNames); // declaration order
        Assert.Equal(["x", "c=lo", "c=hi"], split.Encoder.EncodedNames);
    }

    [SkippableTheory]
    [InlineData("boston-housing.csv.gz", "medv", DatasetTask.Regression, 1, 13)]
    [InlineData("servo.csv.gz", "Class", DatasetTask.Regression, 1, 4)]
    [InlineData("gasoline-nir.csv.gz", "octane", DatasetTask.Regression, 1, 401)]
    [InlineData("letter-recognition.csv.gz", "lettr", DatasetTask.Classification, 26, 16)]
    [InlineData("satellite.csv.gz", "classes", DatasetTask.Classification, 6, 36)]
    [InlineData("spam.csv.gz", "type", DatasetTask.Classification, 2, 57)]
    [InlineData("pima-diabetes.csv.gz", "diabetes", DatasetTask.Classification, 2, 8)]
    [InlineData("sonar.csv.gz", "Class", DatasetTask.Classification, 2, 60)]
    [InlineData("glass.csv.gz", "Type", DatasetTask.Classification, 6, 9)]
    public void EveryBenchmarkFileLoadsAsItIs(string file, string target, DatasetTask task, int classesOrOne, int columns)
    {
        string path = TestData.RequireShared("benchmark", file);
        var split = TableSplit.Create(RawTable.Read(path), new TableOptions { Target = target }, 0.7, 0.15, 0.15, seed: 1);
        Assert.Equal(task, split.Encoder.Task);
        Assert.Equal(columns, split.Encoder.Inputs.Length);
        if (task == DatasetTask.Classification) Assert.Equal(classesOrOne, split.Encoder.ClassNames.Length);
        Assert.All(split.Train.Features, v => Assert.True(double.IsFinite(v)));
        Assert.True(split.Test.Rows > 0);
    }
}
