namespace NeuralSparseGrids.Analysis;

/// <summary>An axis-aligned rectangle [XMin, XMax] x [YMin, YMax] of a 2-d latent space (heatmap extent).</summary>
/// <param name="XMin">Left edge.</param>
/// <param name="XMax">Right edge (&gt; XMin).</param>
/// <param name="YMin">Bottom edge.</param>
/// <param name="YMax">Top edge (&gt; YMin).</param>
public readonly record struct Extent2D(double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>The unit square [0, 1]^2, the sparse grid's domain.</summary>
    public static Extent2D Unit => new(0, 1, 0, 1);

    /// <summary>Converts an (xmin, xmax, ymin, ymax) tuple.</summary>
    public static implicit operator Extent2D((double XMin, double XMax, double YMin, double YMax) t) => new(t.XMin, t.XMax, t.YMin, t.YMax);

    /// <summary>Throws <see cref="ArgumentException"/> unless both edges are finite and ordered.</summary>
    public void Validate(string paramName)
    {
        if (!(double.IsFinite(XMin) && double.IsFinite(XMax) && double.IsFinite(YMin) && double.IsFinite(YMax)) || XMax <= XMin || YMax <= YMin)
            throw new ArgumentException($"The extent ({XMin}, {XMax}, {YMin}, {YMax}) must be finite with xmin < xmax and ymin < ymax.", paramName);
    }
}
