using System.Runtime.InteropServices;

namespace NeuralSparseGrids.Layers;

/// <summary>
/// What libtorch's autograd engine is running while a custom function's backward executes: whether it is a plain
/// <c>backward()</c> that runs every node of the graph, including the AccumulateGrad nodes that add gradients to the
/// leaves' .grad. TorchSharp has no API for this; libtorch exports it (torch::autograd::get_current_graph_task_exec_info).
/// </summary>
/// <remarks>
/// The engine fills a graph task's exec_info only when the caller named the tensors it wants gradients for
/// (<c>torch.autograd.grad(outputs, inputs)</c>, or <c>backward(inputs: ...)</c>): then nodes off the paths to them
/// are skipped and, for autograd.grad, the inputs' gradients are captured instead of accumulated into .grad. An
/// empty exec_info means every node runs, so a leaf's AccumulateGrad would add whatever gradient reaches it to its
/// .grad. The map is read through libstdc++'s layout (element count after the bucket array, bucket count and the
/// before-begin node), which is why this is Linux only; anywhere the answer is not certain it says no.
/// </remarks>
internal static partial class AutogradGraphTask
{
    private static readonly bool Available = OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe();

    /// <summary>
    /// True only if the calling thread is inside a backward pass that runs the whole graph (a plain backward()):
    /// false outside any backward pass, for autograd.grad and backward(inputs: ...), and where libtorch's engine
    /// cannot be asked.
    /// </summary>
    public static unsafe bool RunsWholeGraph()
    {
        if (!Available) return false;
        nint map = CurrentExecInfo();
        if (map == 0) return false;   // no graph task on this thread
        // std::unordered_map (libstdc++ _Hashtable): buckets*, bucket count, before-begin node, element count.
        return *(nuint*)(map + 3 * sizeof(nint)) == 0;
    }

    private static bool Probe()
    {
        try
        {
            // Only whether the entry point resolves: the answer depends on the calling thread (the first call may
            // come from inside a backward pass).
            _ = CurrentExecInfo();
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    // const std::unordered_map<Node*, GraphTask::ExecInfo>* torch::autograd::get_current_graph_task_exec_info()
    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN5torch8autograd32get_current_graph_task_exec_infoEv")]
    private static partial nint CurrentExecInfo();
}
