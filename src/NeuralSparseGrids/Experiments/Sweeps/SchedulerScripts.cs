using System.Globalization;
using System.Text;

namespace NeuralSparseGrids.Experiments.Sweeps;

/// <summary>
/// `nsg sweep emit`: a ready-to-submit Slurm array script (one array task per cell) or a Kubernetes Indexed Job (one
/// completion index per cell). Each task runs `nsg sweep cell SPEC --index I --out DIR` against the shared sweep
/// folder; afterwards `nsg sweep collect DIR` builds the table.
/// </summary>
public static class SchedulerScripts
{
    /// <summary>The Slurm script for the sweep in <paramref name="folder"/> (spec.json must be there).</summary>
    public static string Slurm(SweepSpec spec, SweepFolder folder, ClusterOptions options)
    {
        var c = CultureInfo.InvariantCulture;
        string q(string s) => NsgCommand.ShellQuote(s);
        var sb = new StringBuilder("#!/bin/bash\n");
        sb.Append(c, $"# Sweep '{spec.Name}': {spec.CellCount} cells. Submit: sbatch {q(Path.Combine(folder.Root, "sweep.slurm"))}\n");
        sb.Append(c, $"# Afterwards: {CollectCommand(folder, options.Nsg)}\n");
        sb.Append(c, $"#SBATCH --job-name={JobName(spec)}\n");
        sb.Append(c, $"#SBATCH --array={ArrayRange(options.Cells ?? [.. Enumerable.Range(0, spec.CellCount)])}{(options.Parallel is int p ? "%" + p.ToString(c) : "")}\n");
        sb.Append(c, $"#SBATCH --ntasks=1\n#SBATCH --cpus-per-task={options.Cpus}\n#SBATCH --mem={options.Memory}\n");
        if (options.Time != null) sb.Append(c, $"#SBATCH --time={options.Time}\n");
        if (options.Partition != null) sb.Append(c, $"#SBATCH --partition={options.Partition}\n");
        if (options.Account != null) sb.Append(c, $"#SBATCH --account={options.Account}\n");
        if (options.Gpus > 0) sb.Append(c, $"#SBATCH --gres=gpu:{options.Gpus}\n");
        sb.Append(c, $"#SBATCH --output={Path.Combine(folder.Logs, "cell-%a.out")}\n");
        sb.Append("set -euo pipefail\n");
        foreach (var (name, value) in CellEnvironment.Variables) sb.Append(c, $"export {name}={value}\n");
        sb.Append(c, $"exec {options.Nsg.ToShell()} sweep cell {q(folder.SpecPath)} --index \"$SLURM_ARRAY_TASK_ID\" --out {q(folder.Root)} --threads {options.Cpus}\n");
        return sb.ToString();
    }

    /// <summary>
    /// The Kubernetes Indexed Job: completions = cells, the index from JOB_COMPLETION_INDEX, the sweep folder on the
    /// shared volume claim mounted at <see cref="ClusterOptions.MountPath"/>.
    /// </summary>
    public static string Kubernetes(SweepSpec spec, ClusterOptions options)
    {
        if (options.Image is null) throw new ArgumentException("Kubernetes needs --image (a container image with nsg).");
        if (options.VolumeClaim is null) throw new ArgumentException("Kubernetes needs --volume CLAIM (a PersistentVolumeClaim shared by the pods, ReadWriteMany).");
        if (options.Cells != null) throw new ArgumentException("A Kubernetes Indexed Job runs indices 0..N-1; --only-missing is for Slurm (the finished cells are skipped anyway).");
        var c = CultureInfo.InvariantCulture;
        string mount = options.MountPath.TrimEnd('/');
        string Y(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var command = options.Nsg.Words.Concat(["sweep", "cell", mount + "/" + SweepFolder.SpecFileName, "--index", "$(JOB_COMPLETION_INDEX)", "--out", mount, "--threads", options.Cpus.ToString(c)]);
        string memory = options.Memory.EndsWith('G') || options.Memory.EndsWith('M') ? options.Memory + "i" : options.Memory;
        var sb = new StringBuilder();
        sb.Append(c, $"# Sweep '{spec.Name}': {spec.CellCount} cells. Copy spec.json to the volume's root, then: kubectl apply -f sweep-job.yaml\n");
        sb.Append(c, $"# Afterwards, with the volume mounted at {mount}: nsg sweep collect {mount}\n");
        sb.Append("apiVersion: batch/v1\nkind: Job\nmetadata:\n");
        sb.Append(c, $"  name: {JobName(spec)}\n");
        if (options.Namespace != null) sb.Append(c, $"  namespace: {options.Namespace}\n");
        sb.Append("spec:\n  completionMode: Indexed\n");
        sb.Append(c, $"  completions: {spec.CellCount}\n  parallelism: {options.Parallel ?? spec.CellCount}\n");
        // A cell that fails records its error and exits non-zero; retrying it once covers a lost node, not a bad setting.
        sb.Append(c, $"  backoffLimitPerIndex: 1\n  maxFailedIndexes: {spec.CellCount}\n");
        sb.Append("  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: cell\n");
        sb.Append(c, $"          image: {Y(options.Image)}\n");
        sb.Append("          command: [").AppendJoin(", ", command.Select(Y)).Append("]\n");
        sb.Append("          env:\n");
        foreach (var (name, value) in CellEnvironment.Variables) sb.Append(c, $"            - name: {name}\n              value: {Y(value)}\n");
        sb.Append("            - name: JOB_COMPLETION_INDEX\n              valueFrom:\n                fieldRef:\n                  fieldPath: \"metadata.annotations['batch.kubernetes.io/job-completion-index']\"\n");
        sb.Append("          resources:\n            requests:\n");
        sb.Append(c, $"              cpu: \"{options.Cpus}\"\n              memory: {Y(memory)}\n");
        sb.Append("            limits:\n");
        sb.Append(c, $"              memory: {Y(memory)}\n");
        if (options.Gpus > 0) sb.Append(c, $"              nvidia.com/gpu: {options.Gpus}\n");
        sb.Append("          volumeMounts:\n            - name: sweep\n");
        sb.Append(c, $"              mountPath: {Y(mount)}\n");
        sb.Append("      volumes:\n        - name: sweep\n          persistentVolumeClaim:\n");
        sb.Append(c, $"            claimName: {Y(options.VolumeClaim)}\n");
        return sb.ToString();
    }

    /// <summary>The command that builds the table once the tasks are done.</summary>
    public static string CollectCommand(SweepFolder folder, NsgCommand nsg) => $"{nsg.ToShell()} sweep collect {NsgCommand.ShellQuote(folder.Root)}";

    /// <summary>Slurm array syntax for the indices: "0-15", "0,3,5-7".</summary>
    public static string ArrayRange(IReadOnlyList<int> indices)
    {
        if (indices.Count == 0) throw new ArgumentException("No cells to run.");
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    // Kubernetes names: lowercase letters, digits and '-', at most 63 characters, starting with a letter.
    private static string JobName(SweepSpec spec)
    {
        var name = new string([.. ("nsg-" + spec.Name).ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-')]);
        while (name.Contains("--")) name = name.Replace("--", "-");
        name = name.Trim('-');
        return name.Length > 52 ? name[..52].TrimEnd('-') : name;
    }
}
