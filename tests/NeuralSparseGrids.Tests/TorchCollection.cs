namespace NeuralSparseGrids.Tests;

/// <summary>Every test class that touches torch joins this collection so they never run in parallel.</summary>
[CollectionDefinition("Torch", DisableParallelization = true)]
public sealed class TorchCollection
{
}
