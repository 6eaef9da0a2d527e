using BenchmarkDotNet.Running;
using NeuralSparseGrids.Benchmarks;

// Whole-run comparisons print ratios measured in one run; everything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "compare-eval") return EvaluationComparison.Run(args[1..]);
if (args.Length > 0 && args[0] == "compare-torch") return TorchComparison.Run(args[1..]);
if (args.Length > 0 && args[0] == "compare-epoch") return EpochComparison.Run(args[1..]);
if (args.Length > 0 && args[0] == "step-profile") return StepProfile.Run(args[1..]);
if (args.Length > 0 && args[0] == "cnn-format") return CnnFormatComparison.Run(args[1..]);
if (args.Length > 0 && args[0] == "strided-conv") return StridedConvGradient.Run(args[1..]);
if (args.Length > 0 && args[0] == "kernel-profile") return KernelProfile.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(EvaluationBenchmarks).Assembly).Run(args);
return 0;
