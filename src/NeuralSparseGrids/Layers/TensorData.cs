using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace NeuralSparseGrids.Layers;

/// <summary>Raw data pointers of contiguous CPU tensors (TorchSharp's own native entry point THSTensor_data).</summary>
internal static partial class TensorData
{
    /// <summary>Address of the first element of a contiguous CPU tensor; throws otherwise.</summary>
    public static nint Pointer(Tensor tensor)
    {
        if (tensor.device_type != TorchSharp.DeviceType.CPU) throw new InvalidOperationException("The fused kernel needs CPU tensors.");
        if (!tensor.is_contiguous()) throw new InvalidOperationException("The fused kernel needs contiguous tensors.");
        if (tensor.numel() == 0) return 0;
        nint p = THSTensor_data(tensor.Handle);
        if (p == 0) throw new InvalidOperationException("libtorch returned no data pointer for a tensor.");
        return p;
    }

    [LibraryImport("LibTorchSharp")]
    private static partial nint THSTensor_data(nint handle);
}
