// ML.NET integration of NeuralSparseGrids: trainers for ML.NET pipelines (NeuralSparseGrids.ML.Trainers) and
// ML.NET-based baselines for `nsg compare` (NeuralSparseGrids.ML.Baselines).
