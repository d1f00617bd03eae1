using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class RegressionTests
{
    // SigmaHQ's regression runner treats match_count as a minimum. In these four recordings more events than
    // match_count really satisfy the rule (e.g. procdump64a.exe next to procdump64.exe), so the exact count a
    // correct evaluation gives is pinned here instead.
    private static readonly Dictionary<string, int> MoreEventsThanRecorded = new(StringComparer.Ordinal)
    {
        ["rules/windows/file/file_event/file_event_win_anydesk_artefact"] = 3,
        ["rules/windows/file/file_event/file_event_win_cred_dump_tools_dropped_files"] = 3,
        ["rules/windows/registry/registry_set/registry_set_change_security_zones"] = 3,
        ["rules/windows/registry/registry_set/registry_set_disable_administrative_share"] = 2,
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var info in Directory.EnumerateFiles(SigmaData.Regression, "info.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(SigmaData.Regression, Path.GetDirectoryName(info)!));
        }

        return data;
    }

    [Fact]
    public void Regression_Data_HasAllCases() => Assert.Equal(150, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Regression_Case_MatchesExpectedCount(string folder)
    {
        var directory = Path.Combine(SigmaData.Regression, folder);
        var file = SigmaParser.ParseFile(Path.Combine(directory, "rule.yml"));
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var engine = SigmaEngine.Create([file]);
        Assert.Single(engine.Rules);

        var expected = RegressionInfo.ExpectedCount(File.ReadAllText(Path.Combine(directory, "info.yml")));
        var matches = 0;
        var events = 0;
        foreach (var json in Directory.EnumerateFiles(directory, "*.json"))
        {
            foreach (var evt in EventReader.ReadFile(json))
            {
                events++;
                if (engine.Match(evt).Count > 0)
                {
                    matches++;
                }
            }
        }

        Assert.True(events > 0);
        if (MoreEventsThanRecorded.TryGetValue(folder.Replace('\\', '/'), out var pinned))
        {
            Assert.True(expected < pinned);
            Assert.Equal(pinned, matches);
        }
        else if (expected is { } count)
        {
            Assert.True(count == matches, $"{folder}: expected {count}, got {matches}");
        }
        else
        {
            Assert.True(matches >= 1, "expected at least one match");
        }
    }
}
