using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Reproduction;

/// <summary>
/// Shrinks experiments for quick runs and tests: caps epochs, the size of generated data sets and the rows of files
/// (MNIST, spectra), and sets the number of seeds. Null members leave the thesis setting.
/// </summary>
/// <param name="Epochs">Most epochs per run.</param>
/// <param name="Count">Points of generated data sets (swiss roll, two moons).</param>
/// <param name="MaxRows">Rows kept of file data (MNIST, spectra).</param>
/// <param name="Seeds">Seeds per cell.</param>
public sealed record ReproductionScale(int? Epochs = null, int? Count = null, int? MaxRows = null, int? Seeds = null)
{
    /// <summary>The default of --quick: 60 epochs, 8000 generated points, 1000 file rows, one seed.</summary>
    public static readonly ReproductionScale DefaultQuick = new(Epochs: 60, Count: 8000, MaxRows: 1000, Seeds: 1);

    /// <summary>Applies the caps to <paramref name="spec"/>.</summary>
    public ExperimentSpec Apply(ExperimentSpec spec)
    {
        var data = spec.Data;
        bool generated = DataSources.IsGenerated(data.Source);
        if (generated && Count is int c) data = data with { Count = Math.Min(c, data.Count) };
        if (!generated && MaxRows is int r) data = data with { Limit = Math.Min(r, data.Limit ?? int.MaxValue) };
        var training = Epochs is int e ? spec.Training with { Epochs = Math.Min(e, spec.Training.Epochs) } : spec.Training;
        return spec with { Data = data, Training = training };
    }
}
