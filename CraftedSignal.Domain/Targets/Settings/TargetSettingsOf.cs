using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>
/// The settings of a kind whose connector takes a <typeparamref name="TConnection"/>. What is checked on save and what a
/// call gets are the same connection, built from these settings and the secrets: on save, a stored secret stands in
/// unopened (it is never decrypted to validate); on a call, the decrypted ones.
/// </summary>
public abstract record TargetSettings<TConnection> : TargetSettings
    where TConnection : ITargetConnection
{
    /// <summary>The connection one call uses: these settings, the decrypted secrets by field, the target's pipelines.</summary>
    public abstract TConnection ToConnection(IReadOnlyDictionary<string, string> secrets, IReadOnlyList<ProcessingPipeline> pipelines);

    /// <summary>What is wrong with the kind's own fields before a connection can be built (a URL that does not parse), or null.</summary>
    protected virtual Invalid? FieldsProblem() => null;

    /// <summary>The URLs a secret field (or a token got with it) is sent to; empty when it is not sent at all.</summary>
    protected abstract IReadOnlyList<string?> DestinationsOf(string field);

    /// <summary>What stands in for a stored secret on save: a value of the field's form that is not the secret.</summary>
    protected virtual string StoredSecretStandIn(string field) => "stored-secret-not-decrypted";

    public override Invalid? Problem(IReadOnlyDictionary<string, string> secrets, IReadOnlySet<string> stored, IReadOnlyList<ProcessingPipeline> pipelines)
    {
        if (FieldsProblem() is { } fields)
            return fields;
        foreach (var field in RequiredSecrets())
        {
            if (!secrets.ContainsKey(field) && !stored.Contains(field))
                return new Invalid(field, $"Set the {SecretFields.Single(s => s.Name == field).Label.ToLowerInvariant()}.");
        }

        var given = SecretFields.Select(f => f.Name).Where(f => secrets.ContainsKey(f) || stored.Contains(f))
            .ToDictionary(f => f, f => secrets.TryGetValue(f, out var value) ? value : StoredSecretStandIn(f), StringComparer.Ordinal);
        return ToConnection(given, pipelines).Problem() is { } problem ? new Invalid(problem.Field, problem.Problem) : null;
    }

    public override IReadOnlyList<string> SecretsRedirectedFrom(TargetSettings previous)
    {
        if (previous is not TargetSettings<TConnection> before)
            return [.. SecretFields.Select(f => f.Name)];
        var trust = !Transport.SameTrust(before.Transport);
        return [.. SecretFields.Select(f => f.Name).Where(field =>
        {
            var now = DestinationsOf(field);
            var then = before.DestinationsOf(field);
            return now.Count > 0 && (trust || now.Where((url, i) => !SameOrigin(url, then.ElementAtOrDefault(i))).Any());
        })];
    }

    /// <summary>Same scheme, host and port: where a secret is sent. A different path on the same origin reaches the same server.</summary>
    private static bool SameOrigin(string? url, string? other) =>
        Uri.TryCreate(url, UriKind.Absolute, out var a) && Uri.TryCreate(other, UriKind.Absolute, out var b)
        && Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
