using NeuralSparseGrids.Experiments.Sweeps;
using YamlDotNet.RepresentationModel;

namespace NeuralSparseGrids.Tests.Experiments.Sweeps;

public sealed class SchedulerScriptsTests
{
    private static readonly SweepSpec Spec = SweepSpecReader.Parse("""
        { "name": "Swiss roll/lr x method", "base": { "data": "swissroll", "epochs": 3 },
          "axes": { "lr": [0.001, 0.01], "method": ["gradient", "ls"] }, "seeds": [1, 2] }
        """);

    private static readonly ClusterOptions Options = new()
    {
        Nsg = NsgCommand.Parse("dotnet /opt/nsg/nsg.dll"), Parallel = 4, Cpus = 2, Memory = "3G", Time = "00:30:00",
        Partition = "short", Image = "registry.example/nsg:0.1", VolumeClaim = "sweeps-pvc", MountPath = "/data/sweep",
    };

    [Fact]
    public void SlurmScriptIsAnArrayOverTheCellsRunningOneCellPerTask()
    {
        var folder = new SweepFolder("/shared/sw");
        string script = SchedulerScripts.Slurm(Spec, folder, Options);
        var lines = script.Split('\n');
        Assert.Equal("#!/bin/bash", lines[0]);
        Assert.Contains("#SBATCH --array=0-7%4", lines);
        Assert.Contains("#SBATCH --cpus-per-task=2", lines);
        Assert.Contains("#SBATCH --mem=3G", lines);
        Assert.Contains("#SBATCH --time=00:30:00", lines);
        Assert.Contains("#SBATCH --partition=short", lines);
        Assert.Contains("#SBATCH --output=/shared/sw/logs/cell-%a.out", lines);
        Assert.Contains("#SBATCH --job-name=nsg-swiss-roll-lr-x-method", lines);
        Assert.Contains("exec dotnet /opt/nsg/nsg.dll sweep cell /shared/sw/spec.json --index \"$SLURM_ARRAY_TASK_ID\" --out /shared/sw --threads 2", lines);
        // Cells start with the same environment as local workers' (passive OpenMP threads, no tiered JIT).
        Assert.Contains("export OMP_WAIT_POLICY=passive", lines);
        Assert.Contains("export DOTNET_TieredCompilation=0", lines);
        Assert.Contains("#SBATCH --array=1,3-5,9", SchedulerScripts.Slurm(Spec, folder, Options with { Cells = [9, 1, 3, 4, 5] }));
    }

    [Fact]
    public void KubernetesManifestIsAnIndexedJobWithTheCompletionIndexAndTheSharedVolume()
    {
        string yaml = SchedulerScripts.Kubernetes(Spec, Options);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var job = (YamlMappingNode)stream.Documents.Single().RootNode;
        string S(YamlNode n, params string[] path) => ((YamlScalarNode)Walk(n, path)).Value!;
        Assert.Equal("batch/v1", S(job, "apiVersion"));
        Assert.Equal("Job", S(job, "kind"));
        Assert.Equal("nsg-swiss-roll-lr-x-method", S(job, "metadata", "name"));
        Assert.Equal("Indexed", S(job, "spec", "completionMode"));
        Assert.Equal("8", S(job, "spec", "completions"));
        Assert.Equal("4", S(job, "spec", "parallelism"));
        var pod = Walk(job, "spec", "template", "spec");
        Assert.Equal("Never", S(pod, "restartPolicy"));
        var container = ((YamlSequenceNode)Walk(pod, "containers")).Children.Single();
        Assert.Equal("registry.example/nsg:0.1", S(container, "image"));
        var command = ((YamlSequenceNode)Walk(container, "command")).Children.Select(c => ((YamlScalarNode)c).Value).ToList();
        Assert.Equal(["dotnet", "/opt/nsg/nsg.dll", "sweep", "cell", "/data/sweep/spec.json", "--index", "$(JOB_COMPLETION_INDEX)", "--out", "/data/sweep", "--threads", "2"], command);
        // $(VAR) is expanded only for variables declared in env, so the index is declared from the pod's annotation.
        var env = ((YamlSequenceNode)Walk(container, "env")).Children;
        var index = env.Single(e => S(e, "name") == "JOB_COMPLETION_INDEX");
        Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", S(index, "valueFrom", "fieldRef", "fieldPath"));
        Assert.All(CellEnvironment.Variables, v => Assert.Equal(v.Value, S(env.Single(e => S(e, "name") == v.Key), "value")));
        Assert.Equal("2", S(container, "resources", "requests", "cpu"));
        Assert.Equal("3Gi", S(container, "resources", "requests", "memory"));
        var mount = ((YamlSequenceNode)Walk(container, "volumeMounts")).Children.Single();
        Assert.Equal("/data/sweep", S(mount, "mountPath"));
        var volume = ((YamlSequenceNode)Walk(pod, "volumes")).Children.Single();
        Assert.Equal(S(mount, "name"), S(volume, "name"));
        Assert.Equal("sweeps-pvc", S(volume, "persistentVolumeClaim", "claimName"));
    }

    [Fact]
    public void LocalCellsDropTieredCompilationOnlyWhenTheWorkersOccupyEveryCore()
    {
        Assert.Contains(new KeyValuePair<string, string>("DOTNET_TieredCompilation", "0"), CellEnvironment.ForLocal(workers: 2, cores: 2));
        Assert.Contains(new KeyValuePair<string, string>("DOTNET_TieredCompilation", "0"), CellEnvironment.ForLocal(workers: 8, cores: 4));
        var spare = CellEnvironment.ForLocal(workers: 1, cores: 2);
        Assert.DoesNotContain(spare, v => v.Key == "DOTNET_TieredCompilation");
        Assert.Contains(new KeyValuePair<string, string>("OMP_WAIT_POLICY", "passive"), spare);
    }

    [Fact]
    public void KubernetesNeedsAnImageAndAVolume()
    {
        Assert.Contains("--image", Assert.Throws<ArgumentException>(() => SchedulerScripts.Kubernetes(Spec, Options with { Image = null })).Message);
        Assert.Contains("--volume", Assert.Throws<ArgumentException>(() => SchedulerScripts.Kubernetes(Spec, Options with { VolumeClaim = null })).Message);
    }

    private static YamlNode Walk(YamlNode node, params string[] path)
    {
        foreach (string key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return node;
    }
}
