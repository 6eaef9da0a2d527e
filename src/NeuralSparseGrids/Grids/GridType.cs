namespace NeuralSparseGrids.Grids;

/// <summary>The families of regular sparse grids and their one-dimensional bases (SG++ vocabulary).</summary>
public enum GridType
{
    /// <summary>
    /// Piecewise linear hat basis with zero boundary (thesis Eq. 2.13/2.14, SG++ "Linear"):
    /// phi_{l,i}(x) = max(1 - |2^l x - i|, 0), l &gt;= 1, i odd.
    /// </summary>
    Linear,

    /// <summary>
    /// V^0B (thesis Eq. 2.15): the hat basis plus a level 0 holding phi_{0,0}(x) = 1 - x and phi_{0,1}(x) = x;
    /// subspaces with l_j &gt;= 0 and |l|_1 &lt;= n + d - 1.
    /// </summary>
    LinearBoundary,

    /// <summary>
    /// V^B(1) (thesis Eq. 2.16): the two level-0 functions 1 - x and x moved into level 1, so level 1 holds three
    /// functions per dimension (index 0: 1 - x, index 1: the hat at 1/2, index 2: x).
    /// </summary>
    LinearExtendedBoundary,

    /// <summary>
    /// Modified linear basis (Pflüger 2010, SG++ "ModLinear"): non-zero boundary values without extra points.
    /// phi_{1,1} = 1; for l &gt; 1 the leftmost function is 2 - 2^l x on [0, 2^(1-l)], the rightmost is
    /// 2^l x + 1 - i on [1 - 2^(1-l), 1], all others are the usual hats.
    /// </summary>
    ModifiedLinear,
}
