namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>Resources and placement of scheduler tasks (`nsg sweep emit`); null members are left to the cluster's defaults.</summary>
public sealed record ClusterOptions
{
    /// <summary>How `nsg` is started inside a task.</summary>
    public required NsgCommand Nsg { get; init; }

    /// <summary>Most tasks running at once (Slurm %P, Kubernetes parallelism); null: no limit (Slurm) or all cells (Kubernetes).</summary>
    public int? Parallel { get; init; }

    /// <summary>CPUs per task.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Memory per task, e.g. "2G" (Slurm spelling; Kubernetes gets "2Gi").</summary>
    public string Memory { get; init; } = "2G";

    /// <summary>Wall-time limit per task, e.g. "01:00:00".</summary>
    public string? Time { get; init; } = "02:00:00";

    /// <summary>Slurm partition.</summary>
    public string? Partition { get; init; }

    /// <summary>Slurm account.</summary>
    public string? Account { get; init; }

    /// <summary>GPUs per task (Slurm --gres=gpu:N, Kubernetes nvidia.com/gpu); 0: none.</summary>
    public int Gpus { get; init; }

    /// <summary>Kubernetes: container image holding `nsg`.</summary>
    public string? Image { get; init; }

    /// <summary>Kubernetes: the PersistentVolumeClaim shared by the tasks (the sweep folder lives on it).</summary>
    public string? VolumeClaim { get; init; }

    /// <summary>Kubernetes: where the claim is mounted; the sweep folder is this path inside the pod.</summary>
    public string MountPath { get; init; } = "/sweep";

    /// <summary>Kubernetes namespace (null: the current context's).</summary>
    public string? Namespace { get; init; }

    /// <summary>Only these cells (e.g. the missing ones of an interrupted sweep); null: all.</summary>
    public IReadOnlyList<int>? Cells { get; init; }
}
