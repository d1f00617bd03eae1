using CraftedSignal.Domain.Sigma.Evaluation;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class SubstringAutomatonTests
{
    [Fact]
    public void Scan_ReportsEveryContainedNeedle_IgnoringAsciiCase()
    {
        var automaton = new SubstringAutomaton(["\\cmd.exe", "md.e", "powershell", "-enc ", "x"]);
        var found = new List<int>();

        Assert.True(automaton.Scan(@"C:\Windows\System32\CMD.EXE /c -ENC abc", found));

        Assert.Equal([0, 1, 3, 4], found.Distinct().Order());
    }

    [Fact]
    public void Scan_NonAsciiText_ReportsNothingAndReturnsFalse()
    {
        var automaton = new SubstringAutomaton(["abc"]);
        var found = new List<int>();

        Assert.False(automaton.Scan("abc é", found));
        Assert.Empty(found);
    }

    [Fact]
    public void Scan_TooManyStatesForSixteenBits_StillFindsEveryNeedle()
    {
        var random = new Random(7);
        var needles = Enumerable.Range(0, 3_000)
            .Select(_ => new string([.. Enumerable.Range(0, 40).Select(_ => (char)('a' + random.Next(26)))]))
            .ToList();
        var automaton = new SubstringAutomaton(needles);
        var found = new List<int>();

        Assert.True(needles.Sum(n => n.Length) > ushort.MaxValue);
        for (var i = 0; i < needles.Count; i += 97)
        {
            found.Clear();
            Assert.True(automaton.Scan($"--{needles[i].ToUpperInvariant()}--", found));
            Assert.Contains(i, found);
        }
    }
}
