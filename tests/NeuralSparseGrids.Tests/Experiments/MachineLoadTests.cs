using System.Globalization;
using NeuralSparseGrids.Experiments;

namespace NeuralSparseGrids.Tests.Experiments;

/// <summary>The load average printed beside timings: read from /proc/loadavg on Linux, "?" where it cannot be.</summary>
public sealed class MachineLoadTests
{
    [Fact]
    public void TheOneMinuteLoadIsReadOnLinuxAndPrintedWithTwoDecimals()
    {
        var load = MachineLoad.OneMinute();
        if (!File.Exists("/proc/loadavg"))
        {
            Assert.Null(load);
            Assert.Equal("?", MachineLoad.Text());
            return;
        }
        Assert.NotNull(load);
        Assert.True(load >= 0, $"load {load}");
        // The text is the same reading (it may have changed in between: compare loosely) with two decimals.
        string text = MachineLoad.Text();
        Assert.Matches(@"^\d+\.\d\d$", text);
        Assert.True(double.Parse(text, CultureInfo.InvariantCulture) >= 0);
    }
}
