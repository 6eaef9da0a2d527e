using Microsoft.ML;
using Microsoft.ML.Data;

namespace NeuralSparseGrids.ML.Trainers;

/// <summary>
/// The input data view plus precomputed score columns: Score (float or a vector of class probabilities) and, for
/// multiclass, PredictedLabel (1-based key of the most probable class). Rows are served in the input's order.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly float[] _scores;
    private readonly int _width;
    private readonly bool _classification;

    public ScoredDataView(IDataView input, DataViewSchema schema, float[] scores, int width, bool classification)
    {
        _input = input; Schema = schema; _scores = scores; _width = width; _classification = classification;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int inputColumns = _input.Schema.Count;
        var needed = columnsNeeded.Where(c => c.Index < inputColumns).Select(c => _input.Schema[c.Index]).ToList();
        // The score of a row is found by its position, so the input cursor must visit every row in order.
        return new Cursor(this, _input.GetRowCursor(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(ScoredDataView parent, DataViewRowCursor input) : DataViewRowCursor
    {
        public override DataViewSchema Schema => parent.Schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool MoveNext() => input.MoveNext();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= input.Schema.Count || input.IsColumnActive(input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int extra = column.Index - input.Schema.Count;
            if (extra < 0) return input.GetGetter<TValue>(input.Schema[column.Index]);
            int w = parent._width;
            var scores = parent._scores;
            return ScoreColumns.Getter<TValue>(column, extra, parent._classification, () => scores.AsMemory((int)Position * w, w));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
