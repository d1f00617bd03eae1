using CraftedSignal.Domain.Rules;
using Microsoft.AspNetCore.Components;

namespace CraftedSignal.Web.Components.Pages.Rules;

/// <summary>The ATT&amp;CK matrix of the company's rules: a heat map by live rules, each technique a link to its rules.</summary>
public sealed partial class CoveragePage
{
    internal const string NavigatorLayerUrl = "/api/v1/coverage/navigator";

    private static readonly (string Band, string Label)[] Legend =
    [
        ("coverage-none", "None live"),
        ("coverage-low", "1"),
        ("coverage-medium", "2–3"),
        ("coverage-high", "4 or more"),
    ];

    private CoverageMatrix? _matrix;
    private string? _error;
    private bool _hideEmpty;

    protected override async Task OnInitializedAsync()
    {
        var result = await Coverage.GetAsync();
        if (result.Succeeded)
            _matrix = result.Value;
        else
            _error = result.Error.Message;
    }

    internal static string Band(int liveRules) => liveRules switch
    {
        0 => "coverage-none",
        1 => "coverage-low",
        <= 3 => "coverage-medium",
        _ => "coverage-high",
    };

    private static string ColumnClass(TacticCoverage column) => string.Join(' ', new[]
    {
        "coverage-tactic",
        column.Techniques.Count == 0 ? "coverage-tactic-empty" : null,
        column.Tactic.IsUnmapped ? "coverage-unmapped" : null,
    }.OfType<string>());

    private static string RulesUrl(TechniqueCoverage technique) => $"/rules?technique={Uri.EscapeDataString(technique.TechniqueId)}";

    private static string Describe(TechniqueCoverage technique)
    {
        var name = technique.Name is null ? "" : technique.Name + ": ";
        var rules = technique.TotalRules == 1 ? "1 rule" : $"{technique.TotalRules} rules";
        return $"{name}{technique.LiveRules} live of {rules}";
    }
}
