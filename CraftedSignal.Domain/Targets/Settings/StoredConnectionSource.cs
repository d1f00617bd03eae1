using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>
/// Builds a target's connection from its stored settings, decrypting the secrets it needs right before the connector's
/// call, with the pipeline it converts with (its built-in one, or its pasted YAML parsed). The target was loaded through
/// the tenant filter; its secrets are read by target and company. No authorization here: the caller (a deployment job, a
/// member's connection test) was authorized when the work was recorded or requested.
/// </summary>
public sealed class StoredConnectionSource<TSettings, TConnection>(IDbContextFactory<AppDbContext> dbFactory, CredentialProtector protector) : ITargetConnectionSource<TConnection>
    where TSettings : TargetSettings<TConnection>
    where TConnection : ITargetConnection
{
    public async Task<Result<TConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken)
    {
        if (TargetSettings.Deserialize(target.Kind, target.Settings) is not TSettings settings)
            return new TargetSettingsInvalid("Settings", $"The target '{target.Name}' has no {target.Kind} settings: set them under Settings → Targets.");
        var pipelines = TargetPipelines.Of(target.Pipeline, target.PipelineYaml);
        if (!pipelines.Succeeded)
            return pipelines.Error;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.TargetSecrets.AsNoTracking()
            .Where(s => s.TargetId == target.Id && s.CompanyId == target.CompanyId)
            .ToDictionaryAsync(s => s.Field, s => s.Ciphertext, StringComparer.Ordinal, cancellationToken);

        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in settings.RequiredSecrets())
        {
            if (!rows.TryGetValue(field, out var ciphertext))
                return new TargetSettingsInvalid(field, $"The {settings.SecretFields.Single(f => f.Name == field).Label.ToLowerInvariant()} is not set: set it under Settings → Targets.");
            var opened = await protector.UnprotectAsync(target.CompanyId, CredentialProtector.TargetPurpose(target.Id, field), ciphertext, cancellationToken);
            if (!opened.Succeeded)
                return opened.Error;
            secrets[field] = opened.Value;
        }

        return settings.ToConnection(secrets, pipelines.Value);
    }
}
