namespace NeuralSparseGrids.Tests;

/// <summary>Every test that touches torch's global state (threads, RNG, dispose scopes) runs in this one serial collection.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection { }
