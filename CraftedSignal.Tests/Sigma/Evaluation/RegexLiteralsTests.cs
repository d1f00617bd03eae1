using CraftedSignal.Domain.Sigma.Evaluation;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class RegexLiteralsTests
{
    [Theory]
    [InlineData(@"\\mimikatz\.exe$", @"\mimikatz.exe")]
    [InlineData(@"^C:\\Windows\\[a-z]+\\evil", @"c:\windows\")]
    [InlineData(@"Invoke-(Expression|Mimikatz)\s+-Command", "-command")]
    [InlineData(@"abcd?ef", "abc")]
    [InlineData(@"abc{0,2}defg", "defg")]
    [InlineData(@"ab{2}cdefg", "cdefg")]
    [InlineData(@"[a-z-[aeiou]]xyz", "xyz")]
    [InlineData(@"\x41\x42CDE", "cde")]
    [InlineData(@"(?i)powershell.*-enc", "powershell")]
    public void Longest_Pattern_IsTheLiteralEveryMatchContains(string pattern, string expected) =>
        Assert.Equal(expected, RegexLiterals.Longest(pattern));

    [Theory]
    [InlineData(@"cmd|powershell")]
    [InlineData(@"(?x) p o w e r s h e l l")]
    [InlineData(@"a.b.c")]
    [InlineData(@"\d+\s\w*")]
    [InlineData(@"(unclosed")]
    public void Longest_PatternWithoutARequiredLiteral_IsNull(string pattern) =>
        Assert.Null(RegexLiterals.Longest(pattern));
}
