using System.Text.RegularExpressions;

namespace CraftedSignal.Tests.Sigma.Evaluation;

internal static partial class RegressionInfo
{
    public static int? ExpectedCount(string infoYaml) =>
        MatchCount().Match(infoYaml) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"match_count:\s*(\d+)")]
    private static partial Regex MatchCount();
}
