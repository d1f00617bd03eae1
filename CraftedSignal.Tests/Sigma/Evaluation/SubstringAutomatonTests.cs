using CraftedSignal.Domain.Sigma.Evaluation;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class SubstringAutomatonTests
{
    [Fact]
    public void Scan_ReportsEveryContainedNeedle_IgnoringAsciiCase()
    {
        var automaton = new SubstringAutomaton(["\\cmd.exe", "md.e", "powershell", "-enc ", "x"]);
        var found = new List<int>();

        Assert.False(automaton.Scan(@"C:\Windows\System32\CMD.EXE /c -ENC abc", found));

        Assert.Equal([0, 1, 3, 4], found.Distinct().Order());
    }

    [Fact]
    public void Scan_NonAsciiText_StillReportsNeedlesAndReturnsTrue()
    {
        var automaton = new SubstringAutomaton(["abc", "d"]);
        var found = new List<int>();

        Assert.True(automaton.Scan("é abc é", found));
        Assert.Equal([0], found.Distinct());
    }

    [Theory]
    [InlineData("kelvin", "\u212Aelvin")]
    [InlineData("is", "I\u017F")]
    public void Scan_CharacterThatCaseComparesAsAnAsciiLetter_CountsAsThatLetter(string needle, string escapedText)
    {
        var automaton = new SubstringAutomaton([needle]);
        var found = new List<int>();

        Assert.True(automaton.Scan(System.Text.RegularExpressions.Regex.Unescape(escapedText), found));
        Assert.Equal([0], found.Distinct());
    }

    [Fact]
    public void AsciiFold_EveryNonAsciiCharacter_FoldsToTheLetterAnyComparisonTakesItFor()
    {
        for (var c = 128; c <= char.MaxValue; c++)
        {
            var text = ((char)c).ToString();
            var expected = (char)0;
            for (var a = 'a'; a <= 'z' && expected == 0; a++)
            {
                if (text.Equals(a.ToString(), StringComparison.OrdinalIgnoreCase) || text.ToLowerInvariant() == a.ToString()
                    || text.ToUpperInvariant() == char.ToUpperInvariant(a).ToString() || char.ToLowerInvariant((char)c) == a)
                {
                    expected = a;
                }
            }

            Assert.True(expected == AsciiFold.Table[c], $"U+{c:X4} folds to {AsciiFold.Table[c]}, expected {(int)expected}");
        }
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
            Assert.False(automaton.Scan($"--{needles[i].ToUpperInvariant()}--", found));
            Assert.Contains(i, found);
        }
    }

    [Fact]
    public void ScanPair_TwoAutomata_ReportWhatEachScanAloneReports()
    {
        var random = new Random(11);
        string Word(int length) => new([.. Enumerable.Range(0, length).Select(_ => "abcxyz\\.-éK\u212A"[random.Next(12)])]);
        var a = new SubstringAutomaton([.. Enumerable.Range(0, 50).Select(_ => Word(3)).Where(w => System.Text.Ascii.IsValid(w)).Distinct()]);
        var b = new SubstringAutomaton([.. Enumerable.Range(0, 80).Select(_ => Word(2)).Where(w => System.Text.Ascii.IsValid(w)).Distinct()]);
        for (var i = 0; i < 500; i++)
        {
            var text = Word(random.Next(0, 40));
            List<int> aloneA = [], aloneB = [], pairA = [], pairB = [];
            var nonAscii = a.Scan(text, aloneA);
            b.Scan(text, aloneB);

            Assert.Equal(nonAscii, SubstringAutomaton.ScanPair(text, a, pairA, b, pairB));
            Assert.Equal(aloneA, pairA);
            Assert.Equal(aloneB, pairB);
        }
    }
}
