namespace NeuralSparseGrids.Data;

/// <summary>
/// A table file split into train/validation/test and encoded by a <see cref="TableEncoder"/> fitted on the
/// training split only: the one entry point from a raw file to model-ready (unscaled-target) data sets, shared by
/// training and by baselines so that every method sees the same rows and the same inputs.
/// </summary>
/// <param name="Encoder">The fitted encoder (save it with a model).</param>
/// <param name="Train">Training rows, inputs encoded and scaled.</param>
/// <param name="Validation">Validation rows.</param>
/// <param name="Test">Test rows.</param>
/// <param name="Indices">Row indices of the three parts into the table after <see cref="TableEncoder.HandleMissingRows"/>.</param>
public sealed record TableSplit(TableEncoder Encoder, Dataset Train, Dataset Validation, Dataset Test, int[][] Indices)
{
    /// <summary>
    /// Missing-value rows handled, target read (task detected unless given), rows split with <paramref name="seed"/>
    /// (stratified by class for classification), encoder fitted on the training part, all parts encoded.
    /// </summary>
    /// <param name="table">The file as read by <see cref="RawTable.Read"/>.</param>
    /// <param name="options">Target, task, dropped columns and the preprocessing policies.</param>
    /// <param name="train">Training fraction.</param>
    /// <param name="validation">Validation fraction.</param>
    /// <param name="test">Test fraction.</param>
    /// <param name="seed">Split seed.</param>
    /// <param name="notes">Receives what was decided (task and why, rows left out).</param>
    /// <exception cref="DataFormatException">Bad cells (see <see cref="TableEncoder"/>).</exception>
    /// <exception cref="InvalidDataException">A split would be empty.</exception>
    public static TableSplit Create(RawTable table, TableOptions options, double train, double validation, double test, int seed,
        ICollection<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        if (!table.HasHeader) notes?.Add($"{Path.GetFileName(table.Path)} has no header row: columns are named V1..V{table.Columns} by position.");
        var usable = TableEncoder.HandleMissingRows(table, options, notes);
        var (task, _, _, labels, _) = TableEncoder.ReadTarget(usable, options);
        double[] fractions = [train, validation, test];
        var idx = task == DatasetTask.Classification
            ? DatasetSplitter.StratifiedIndices(labels!, fractions, seed)
            : DatasetSplitter.RandomIndices(usable.Rows, fractions, seed);
        DatasetSplitter.CheckNotEmpty(usable.Rows, idx.Select(p => p.Length).ToArray(), fractions);
        var encoder = TableEncoder.Fit(usable, idx[0], options);
        notes?.Add(encoder.Describe());
        var all = encoder.Transform(usable);
        return new TableSplit(encoder, all.Subset(idx[0]), all.Subset(idx[1]), all.Subset(idx[2]), idx);
    }
}
