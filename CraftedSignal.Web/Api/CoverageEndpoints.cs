using System.Text.Json;
using System.Text.Json.Serialization;
using CraftedSignal.Domain.Attack;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Web.Security;

namespace CraftedSignal.Web.Api;

internal static class CoverageEndpoints
{
    public const string LayerFileName = "craftedsignal-attack-layer.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IEndpointRouteBuilder MapCoverageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var coverage = endpoints.MapGroup("/api/v1/coverage").RequireAuthorization(Policies.View);

        // The matrix as an ATT&CK Navigator layer, scored by live rules, to open at https://mitre-attack.github.io/attack-navigator/.
        coverage.MapGet("/navigator", async (AttackCoverageService attack, CancellationToken cancellationToken) =>
        {
            var matrix = await attack.GetAsync(cancellationToken);
            if (!matrix.Succeeded)
                return matrix.Error.ToProblem();
            var layer = NavigatorLayer.From(matrix.Value);
            return Results.File(JsonSerializer.SerializeToUtf8Bytes(layer, Json), "application/json", LayerFileName);
        });

        // Technique ids and names of the shipped ATT&CK data, for the editor's completion of tags.
        endpoints.MapGet("/api/v1/attack/techniques", () => Results.Ok(AttackCatalog.Enterprise.Techniques
                .Where(t => t.State == AttackState.Active)
                .OrderBy(t => t.Id, StringComparer.Ordinal)
                .Select(t => new { id = t.Id, name = t.Name, tactics = t.Tactics })))
            .RequireAuthorization(Policies.View);
        return endpoints;
    }
}

/// <summary>An ATT&amp;CK Navigator layer (format 4.5): one technique entry per tactic it is covered under.</summary>
internal sealed record NavigatorLayer(
    string Name,
    NavigatorVersions Versions,
    string Domain,
    string Description,
    IReadOnlyList<NavigatorTechnique> Techniques,
    NavigatorGradient Gradient,
    IReadOnlyList<NavigatorLegendItem> LegendItems)
{
    public static readonly string[] Colors = ["#ffffff", "#66b1ff", "#1f3c88"];

    public static NavigatorLayer From(CoverageMatrix matrix)
    {
        var techniques = matrix.Tactics
            .SelectMany(column => column.Techniques.Select(t => new NavigatorTechnique(
                t.TechniqueId,
                column.Tactic.Id is null ? null : column.Tactic.ShortName,
                t.LiveRules,
                $"{Rules(t.LiveRules)} live of {Rules(t.TotalRules)} tagged{(column.Tactic.IsUnmapped ? " (no tactic tag)" : column.Tactic.IsNewerThanData ? $" (tactic {column.Tactic.ShortName}, newer than ATT&CK {matrix.AttackVersion})" : "")}",
                true)))
            .ToList();
        return new NavigatorLayer(
            "CraftedSignal coverage",
            new NavigatorVersions(AttackCatalog.Enterprise.MajorVersion, "5.1.0", "4.5"),
            AttackCatalog.Domain,
            $"Techniques tagged on CraftedSignal rules, scored by live (Active or Monitoring) rules. {matrix.TechniquesCovered} techniques covered in {matrix.TacticsCovered} tactics.",
            techniques,
            new NavigatorGradient(Colors, 0, Math.Max(1, matrix.MaxLiveRules)),
            [
                new NavigatorLegendItem("No live rule", Colors[0]),
                new NavigatorLegendItem("Some live rules", Colors[1]),
                new NavigatorLegendItem($"{Math.Max(1, matrix.MaxLiveRules)} live rules (most)", Colors[2]),
            ]);
    }

    private static string Rules(int count) => count == 1 ? "1 rule" : $"{count} rules";
}

internal sealed record NavigatorVersions(string Attack, string Navigator, string Layer);

internal sealed record NavigatorTechnique(
    [property: JsonPropertyName("techniqueID")] string TechniqueId,
    string? Tactic,
    int Score,
    string Comment,
    bool Enabled);

internal sealed record NavigatorGradient(IReadOnlyList<string> Colors, int MinValue, int MaxValue);

internal sealed record NavigatorLegendItem(string Label, string Color);
