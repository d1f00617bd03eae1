using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CraftedSignal.Domain.Attack;

/// <summary>Whether a technique is current in the shipped ATT&amp;CK data.</summary>
public enum AttackState
{
    Active,
    Deprecated,
    Revoked,
}

/// <summary>An ATT&amp;CK tactic: its Sigma tag form (<c>defense-evasion</c>), display name and id (null for tactics the data does not know).</summary>
public sealed record AttackTactic(string ShortName, string Name, string? Id)
{
    /// <summary>Where techniques of rules without a tactic tag go.</summary>
    public static readonly AttackTactic Unmapped = new("unmapped", "Unmapped tactic", null);

    public bool IsUnmapped => ShortName == Unmapped.ShortName;

    /// <summary>A tactic the shipped data is older than (ATT&amp;CK v19's <c>stealth</c>): named from its tag.</summary>
    public bool IsNewerThanData => Id is null && !IsUnmapped;

    /// <summary><c>defense-impairment</c> becomes "Defense Impairment".</summary>
    public static AttackTactic FromTag(string shortName) => new(shortName,
        string.Join(' ', shortName.Split('-', '_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..])), null);
}

/// <summary>A technique or sub-technique of the shipped data.</summary>
public sealed record AttackTechnique(string Id, string Name, IReadOnlyList<string> Tactics, IReadOnlyList<string> Platforms, bool IsSubtechnique, AttackState State);

/// <summary>
/// MITRE ATT&amp;CK Enterprise as the product ships it (ids, names, tactics, platforms and state of every technique; the
/// tactics in matrix order), read once from the assembly. Reproduced under MITRE's licence, which ships beside it
/// (<c>Attack/LICENSE.txt</c>, copied to the output as <c>ATTACK-LICENSE.txt</c>).
/// </summary>
public sealed class AttackCatalog
{
    public const string Domain = "enterprise-attack";

    public const string Copyright = "© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.";

    private static readonly Lazy<AttackCatalog> Shipped = new(Load);

    private readonly FrozenDictionary<string, AttackTechnique> _techniques;
    private readonly FrozenDictionary<string, AttackTactic> _tactics;

    private AttackCatalog(string version, IReadOnlyList<AttackTactic> matrix, IEnumerable<AttackTechnique> techniques)
    {
        Version = version;
        Matrix = matrix;
        _tactics = matrix.ToFrozenDictionary(t => t.ShortName, StringComparer.Ordinal);
        _techniques = techniques.ToFrozenDictionary(t => t.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The catalog shipped with this build.</summary>
    public static AttackCatalog Enterprise => Shipped.Value;

    /// <summary>The ATT&amp;CK version of the data, such as <c>18.1</c>.</summary>
    public string Version { get; }

    /// <summary>The major version, as the ATT&amp;CK Navigator names it (<c>18</c>).</summary>
    public string MajorVersion => Version.Split('.')[0];

    /// <summary>The enterprise tactics in the matrix's (kill-chain) order.</summary>
    public IReadOnlyList<AttackTactic> Matrix { get; }

    public IEnumerable<AttackTechnique> Techniques => _techniques.Values;

    /// <summary>A technique by id (<c>T1059.001</c>, any case), or null when the data has no such technique.</summary>
    public AttackTechnique? Find(string techniqueId) => _techniques.GetValueOrDefault(techniqueId);

    /// <summary>A tactic by its tag form (<c>defense-evasion</c>; <c>_</c> is read as <c>-</c>), or null.</summary>
    public AttackTactic? FindTactic(string shortName) => _tactics.GetValueOrDefault(shortName.Replace('_', '-'));

    internal static AttackCatalog Parse(Stream json)
    {
        var data = JsonSerializer.Deserialize<Data>(json, JsonOptions) ?? throw new InvalidDataException("The ATT&CK data is empty.");
        var version = System.Text.RegularExpressions.Regex.Match(data.Source ?? "", @"v(\d+(?:\.\d+)?)").Groups[1].Value;
        if (version.Length == 0 || data.MatrixTacticOrder is null || data.Tactics is null || data.Techniques is null)
            throw new InvalidDataException("The ATT&CK data lacks its version, tactic order, tactics or techniques.");
        var tactics = data.Tactics.ToDictionary(t => t.Shortname, StringComparer.Ordinal);
        var matrix = data.MatrixTacticOrder.Select(s => tactics.TryGetValue(s, out var t)
            ? new AttackTactic(t.Shortname, t.Name, t.Id)
            : throw new InvalidDataException($"The tactic order names '{s}', which is not among the tactics.")).ToList();
        var techniques = data.Techniques.Select(t => new AttackTechnique(t.Id, t.Name, t.Tactics ?? [], t.Platforms ?? [], t.Subtechnique,
            t.State switch
            {
                "active" => AttackState.Active,
                "deprecated" => AttackState.Deprecated,
                "revoked" => AttackState.Revoked,
                _ => throw new InvalidDataException($"Technique {t.Id} has an unknown state '{t.State}'."),
            }));
        return new AttackCatalog(version, matrix, techniques);
    }

    private static AttackCatalog Load()
    {
        using var stream = typeof(AttackCatalog).Assembly.GetManifestResourceStream("CraftedSignal.Attack.enterprise-attack.json")
            ?? throw new InvalidOperationException("The ATT&CK data is missing from the assembly.");
        return Parse(stream);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Data(string? Source, List<string>? MatrixTacticOrder, List<TacticData>? Tactics, List<TechniqueData>? Techniques);

    private sealed record TacticData(string Id, string Shortname, string Name);

    private sealed record TechniqueData(string Id, string Name, List<string>? Tactics, List<string>? Platforms, bool Subtechnique, string State);
}
