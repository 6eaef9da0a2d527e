using System.Reflection.Emit;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Tests.Experiments;

public sealed class JitSettlingTests
{
    [Fact]
    public void WorkThatCompilesNothingSettlesAfterTheQuietPeriod()
    {
        int calls = 0;
        var result = JitSettling.WarmUp(() => calls++, minCalls: 3, quietCalls: 25, quietSeconds: 0.05, maxSeconds: 10);
        Assert.True(result.Settled);
        Assert.Equal(calls, result.Calls);
        Assert.True(result.Calls >= 25, $"{result.Calls} calls");
        Assert.True(result.Seconds >= 0.05, $"{result.Seconds} s");
    }

    // A new dynamic method compiled on every call keeps the compiler busy: the warm-up must stop at its time limit and
    // say that it did not settle, counting the methods compiled.
    [Fact]
    public void WorkThatKeepsCompilingStopsAtTheTimeLimitUnsettled()
    {
        var result = JitSettling.WarmUp(CompileAndCallANewMethod, minCalls: 1, quietCalls: 5, quietSeconds: 0.05, maxSeconds: 0.3);
        Assert.False(result.Settled);
        Assert.True(result.Seconds >= 0.3, $"{result.Seconds} s");
        Assert.True(result.MethodsCompiled >= result.Calls, $"{result.MethodsCompiled} methods in {result.Calls} calls");
        Assert.Contains("time limit", result.ToString());
    }

    [Fact]
    public void FixedRunsExactlyTheCallsAndHasNoSettledState()
    {
        int calls = 0;
        var result = JitSettling.Fixed(() => calls++, 7);
        Assert.Equal(7, calls);
        Assert.Equal(7, result.Calls);
        Assert.Null(result.Settled);
        Assert.Throws<ArgumentOutOfRangeException>(() => JitSettling.Fixed(() => { }, -1));
    }

    private static void CompileAndCallANewMethod()
    {
        var method = new DynamicMethod("Answer", typeof(int), Type.EmptyTypes);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldc_I4, 42);
        il.Emit(OpCodes.Ret);
        Assert.Equal(42, ((Func<int>)method.CreateDelegate(typeof(Func<int>)))());
    }
}
