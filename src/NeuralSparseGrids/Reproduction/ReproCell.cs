using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Reproduction;

/// <summary>
/// One cell of a thesis table: the published number and the experiment that reproduces it. Cells holding the same
/// <see cref="ExperimentSpec"/> instance share their runs (e.g. the columns of Table 3.13, or ANN and NSG* of Table 3.15).
/// </summary>
/// <param name="Row">Row label as in the thesis.</param>
/// <param name="Column">Column label as in the thesis.</param>
/// <param name="Measure">What is reported.</param>
/// <param name="Thesis">The published value (null: the thesis gives none, e.g. a figure-only value).</param>
/// <param name="Spec">The experiment; null when it is not reproduced (literature values, or user data not given).</param>
/// <param name="Note">Why the cell is not reproduced, or how it differs from the thesis.</param>
public sealed record ReproCell(string Row, string Column, Measure Measure, double? Thesis, ExperimentSpec? Spec, string? Note = null);
