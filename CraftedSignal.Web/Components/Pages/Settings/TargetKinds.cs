using CraftedSignal.Domain.Targets;
using MudBlazor;

namespace CraftedSignal.Web.Components.Pages.Settings;

/// <summary>How each kind of target is named and drawn in the UI.</summary>
internal static class TargetKinds
{
    public static string Name(TargetKind kind) => kind switch
    {
        TargetKind.Sandbox => "Sandbox (in CraftedSignal)",
        TargetKind.Sentinel => "Microsoft Sentinel",
        TargetKind.Elastic => "Elastic Security",
        _ => kind.ToString(),
    };

    public static string Description(TargetKind kind) => kind switch
    {
        TargetKind.Sandbox => "Runs rules inside CraftedSignal with the same engine as the tests. Nothing leaves the server.",
        TargetKind.Splunk => "Deploys each rule as a scheduled saved search through Splunk's REST API (management port, usually 8089).",
        TargetKind.Sentinel => "Deploys each rule as a scheduled analytics rule in a Log Analytics workspace.",
        TargetKind.Elastic => "Deploys each rule as a detection rule in a Kibana space.",
        _ => "",
    };

    public static string Icon(TargetKind kind) => kind switch
    {
        TargetKind.Sandbox => Icons.Material.Outlined.Science,
        TargetKind.Splunk => Icons.Material.Outlined.Storage,
        TargetKind.Sentinel => Icons.Material.Outlined.Cloud,
        TargetKind.Elastic => Icons.Material.Outlined.ManageSearch,
        _ => Icons.Material.Outlined.Hub,
    };

    /// <summary>"2 h ago", "3 d ago": how long ago <paramref name="at"/> was.</summary>
    public static string Ago(DateTime at, DateTime now)
    {
        var span = now - at;
        return span.TotalMinutes < 1 ? "just now"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min ago"
            : span.TotalDays < 1 ? $"{(int)span.TotalHours} h ago"
            : span.TotalDays < 60 ? $"{(int)span.TotalDays} d ago"
            : $"on {at:yyyy-MM-dd}";
    }
}
