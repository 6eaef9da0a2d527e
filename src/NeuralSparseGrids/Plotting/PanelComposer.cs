using SkiaSharp;

namespace NeuralSparseGrids.Plotting;

/// <summary>Places rendered PNG panels side by side in rows (left to right, top to bottom) on a white canvas.</summary>
internal static class PanelComposer
{
    /// <summary>Composes equally sized panels into one PNG with at most <paramref name="columns"/> panels per row.</summary>
    public static byte[] Compose(IReadOnlyList<byte[]> panels, int panelWidth, int panelHeight, int columns)
    {
        int rows = (panels.Count + columns - 1) / columns;
        int cols = Math.Min(columns, panels.Count);
        using var bitmap = new SKBitmap(cols * panelWidth, rows * panelHeight);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            for (int i = 0; i < panels.Count; i++)
            {
                using var panel = SKBitmap.Decode(panels[i]) ?? throw new InvalidOperationException($"Panel {i} could not be decoded.");
                canvas.DrawBitmap(panel, (i % columns) * panelWidth, (i / columns) * panelHeight);
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
