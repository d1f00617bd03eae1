using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Targets.Splunk;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>
/// Builds a Splunk target's <see cref="SplunkConnection"/> from its stored settings, decrypting its tokens right before the
/// connector's call. The target was loaded through the tenant filter; its secrets are read through it too. No authorization
/// here: the caller (a deployment job, a member's connection test) was authorized when the work was recorded or requested.
/// </summary>
public sealed class StoredSplunkConnectionSource(IDbContextFactory<AppDbContext> dbFactory, CredentialProtector protector) : ITargetConnectionSource<SplunkConnection>
{
    public async Task<Result<SplunkConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken)
    {
        if (target.Kind != TargetKind.Splunk || TargetSettings.Deserialize(target.Kind, target.Settings) is not SplunkTargetSettings settings)
            return new TargetSettingsInvalid("ManagementUrl", $"The target '{target.Name}' has no Splunk settings: set them under Settings → Targets.");
        if (target.PipelineYaml is not null)
            return new TargetSettingsInvalid("Pipelines",
                "The target has a pasted pipeline, and the Splunk connector applies built-in pipelines only so far. Choose a built-in pipeline for this target.");

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var secrets = await db.TargetSecrets.AsNoTracking()
            .Where(s => s.TargetId == target.Id && s.CompanyId == target.CompanyId)
            .ToDictionaryAsync(s => s.Field, s => s.Ciphertext, StringComparer.Ordinal, cancellationToken);

        async Task<Result<string?>> OpenAsync(string field)
        {
            if (!secrets.TryGetValue(field, out var ciphertext))
                return Result<string?>.None;
            var opened = await protector.UnprotectAsync(target.CompanyId, CredentialProtector.TargetPurpose(target.Id, field), ciphertext, cancellationToken);
            return opened.Succeeded ? opened.Value : opened.Error;
        }

        var token = await OpenAsync(SplunkTargetSettings.TokenField);
        if (!token.Succeeded)
            return token.Error;
        if (token.Value is null)
            return new TargetSettingsInvalid(SplunkTargetSettings.TokenField, "The management token is not set: set it under Settings → Targets.");
        var hecToken = settings.HecUrl is null ? Result<string?>.None : await OpenAsync(SplunkTargetSettings.HecTokenField);
        if (!hecToken.Succeeded)
            return hecToken.Error;
        return settings.ToConnection(token.Value, hecToken.Value, target.Pipeline is null ? [] : [target.Pipeline]);
    }
}

/// <summary>"Test connection" for a Splunk target: its stored settings through <see cref="SplunkConnector.TestConnectionAsync"/>.</summary>
public sealed class SplunkConnectionTester(ITargetConnectionSource<SplunkConnection> connections, SplunkConnector connector) : ITargetConnectionTester
{
    public TargetKind Kind => TargetKind.Splunk;

    public async Task<TargetConnectionReport> TestAsync(SiemTarget target, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        if (!connection.Succeeded)
            return new TargetConnectionReport([new TargetCheck("settings", false, connection.Error.Message)]);
        var report = await connector.TestConnectionAsync(connection.Value, cancellationToken);
        return new TargetConnectionReport(report.Checks.Select(c => new TargetCheck(c.Name, c.Passed, c.Detail)).ToList());
    }
}
