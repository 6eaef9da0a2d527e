using BenchmarkDotNet.Running;
using NeuralSparseGrids.Benchmarks;

// `compare-eval` runs a plain whole-run timing comparison; everything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "compare-eval") return EvaluationComparison.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(EvaluationBenchmarks).Assembly).Run(args);
return 0;
