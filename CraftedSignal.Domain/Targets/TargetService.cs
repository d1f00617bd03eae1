using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Targets;

public sealed record TargetView(Guid Id, string Name, TargetKind Kind, bool ReadOnly, DateTime CreatedAt, int DeployedRules);

/// <summary>Whether a secret field is set, and by whom and when it was last replaced; never its value.</summary>
public sealed record SecretStatus(string Field, string Label, string Help, bool IsSet, string? ReplacedBy, DateTime? ReplacedAt);

/// <summary>A target as its edit form shows it: the non-secret settings, and for each secret field only whether it is set.</summary>
public sealed record TargetDetails(
    Guid Id, string Name, TargetKind Kind, bool ReadOnly, DateTime CreatedAt, DateTime? UpdatedAt,
    TargetSettings? Settings, string? Pipeline, string? PipelineYaml, IReadOnlyList<SecretStatus> Secrets, int DeployedRules);

/// <summary>
/// A target to save. <see cref="Secrets"/> holds only the secret fields to replace, with their new values: a field not named
/// keeps the value it has. <see cref="ToString"/> names the fields, never the values.
/// </summary>
public sealed record TargetInput(string Name, TargetKind Kind)
{
    public bool ReadOnly { get; init; }

    public TargetSettings? Settings { get; init; }

    /// <summary>A built-in pipeline's name (<see cref="ProcessingPipeline.BuiltinNames"/>), or null.</summary>
    public string? Pipeline { get; init; }

    /// <summary>A pasted pySigma pipeline, or null; it must parse. Not together with <see cref="Pipeline"/>.</summary>
    public string? PipelineYaml { get; init; }

    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Name = {Name}, Kind = {Kind}, ReadOnly = {ReadOnly}, Settings = {Settings}, Pipeline = {Pipeline}, ");
        builder.Append($"PipelineYaml = {(PipelineYaml is null ? "" : $"{PipelineYaml.Length} characters")}, Secrets = [{string.Join(", ", Secrets.Keys)}] (values redacted)");
        return true;
    }
}

public sealed record TargetConnectionReport(IReadOnlyList<TargetCheck> Checks)
{
    public bool Succeeded => Checks.Count > 0 && Checks.All(c => c.Passed);
}

/// <summary>
/// The current company's deployment targets: everyone sees them and their non-secret settings; Owners and Admins add,
/// change, test and remove them. Secrets are write-only: encrypted on save, only their status is ever returned.
/// </summary>
public sealed class TargetService(
    IDbContextFactory<AppDbContext> dbFactory,
    CurrentTenant tenant,
    TimeProvider time,
    CredentialProtector protector,
    IEnumerable<ITargetConnector> connectors,
    IEnumerable<ITargetConnectionTester> testers)
{
    public const int MaxPipelineYamlLength = 64 * 1024;

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    /// <summary>The kinds a target can be created with: those whose connector is installed.</summary>
    public IReadOnlyList<TargetKind> AvailableKinds => connectors.Select(c => c.Kind).Distinct().Order().ToList();

    public async Task<Result<IReadOnlyList<TargetView>>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        return await db.SiemTargets.OrderBy(t => t.Name)
            .Select(t => new TargetView(t.Id, t.Name, t.Kind, t.ReadOnly, t.CreatedAt,
                db.Deployments.Count(d => d.TargetId == t.Id && d.Live)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A target with its non-secret settings and the status of each secret field (every member may read it).</summary>
    public async Task<Result<TargetDetails>> GetAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var target = await db.SiemTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
        if (target is null)
            return new NotFound("The target");
        var stored = await db.TargetSecrets.Where(s => s.TargetId == targetId)
            .Select(s => new { s.Field, s.ReplacedByName, s.ReplacedAt }).ToListAsync(cancellationToken);
        var secrets = TargetSettings.SecretFieldsOf(target.Kind).Select(f => stored.FirstOrDefault(s => s.Field == f.Name) is { } s
            ? new SecretStatus(f.Name, f.Label, f.Help, true, s.ReplacedByName, s.ReplacedAt)
            : new SecretStatus(f.Name, f.Label, f.Help, false, null, null)).ToList();
        var deployed = await db.Deployments.CountAsync(d => d.TargetId == targetId && d.Live, cancellationToken);
        return new TargetDetails(target.Id, target.Name, target.Kind, target.ReadOnly, target.CreatedAt, target.UpdatedAt,
            TargetSettings.Deserialize(target.Kind, target.Settings), target.Pipeline, target.PipelineYaml, secrets, deployed);
    }

    /// <summary>Adds a target without settings (the sandbox); a SIEM target needs its settings: use the overload with <see cref="TargetInput"/>.</summary>
    public Task<Result<Guid>> CreateAsync(string name, TargetKind kind, bool readOnly = false, CancellationToken cancellationToken = default) =>
        CreateAsync(new TargetInput(name, kind) { ReadOnly = readOnly }, cancellationToken);

    public Task<Result<Guid>> CreateAsync(TargetInput input, CancellationToken cancellationToken = default) =>
        SaveAsync(null, input, cancellationToken);

    /// <summary>Changes a target's name, read-only flag, settings and pipeline; replaces the secrets <see cref="TargetInput.Secrets"/> names and keeps the others.</summary>
    public async Task<Result> UpdateAsync(Guid targetId, TargetInput input, CancellationToken cancellationToken = default)
    {
        var saved = await SaveAsync(targetId, input, cancellationToken);
        return saved.Succeeded ? Result.Ok() : saved.Error;
    }

    public async Task<Result> DeleteAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
        if (target is null)
            return new NotFound("The target");
        var deployed = await db.Deployments.CountAsync(d => d.TargetId == targetId && d.Live, cancellationToken);
        if (deployed > 0)
            return new Conflict($"{deployed} rule(s) are deployed to '{target.Name}'. Remove them from it first, so nothing keeps running unmanaged.");

        var secrets = await db.TargetSecrets.Where(s => s.TargetId == targetId).ToListAsync(cancellationToken);
        db.TargetSecrets.RemoveRange(secrets);
        db.SiemTargets.Remove(target);
        db.Audit(tenant.ToActor(), target.CompanyId, AuditActions.TargetDeleted, time.GetUtcNow().UtcDateTime, "target", target.Id.ToString(),
            new { name = target.Name, deletedSecrets = secrets.Select(s => s.Field).Order(StringComparer.Ordinal).ToList() });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>
    /// Tests the target's stored settings step by step through its connector (Owners and Admins): the secrets are decrypted
    /// for this call only. Audited with each step's outcome, never a secret.
    /// </summary>
    public async Task<Result<TargetConnectionReport>> TestConnectionAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        SiemTarget? target;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
            if (!access.Succeeded)
                return access.Error;
            target = await db.SiemTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
            if (target is null)
                return new NotFound("The target");
        }

        var tester = testers.FirstOrDefault(t => t.Kind == target.Kind);
        var report = tester is not null
            ? await tester.TestAsync(target, cancellationToken)
            : target.Kind == TargetKind.Sandbox
                ? new TargetConnectionReport([new TargetCheck("sandbox", true, "The sandbox runs inside CraftedSignal: there is nothing to connect to.")])
                : new TargetConnectionReport([new TargetCheck("connector", false, $"No {target.Kind} connector is installed.")]);

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Audit(tenant.ToActor(), target.CompanyId, AuditActions.TargetConnectionTested, time.GetUtcNow().UtcDateTime, "target", target.Id.ToString(), new
            {
                name = target.Name,
                passed = report.Succeeded,
                checks = report.Checks.Select(c => new { c.Name, c.Passed }).ToList(),
                firstFailure = report.Checks.FirstOrDefault(c => !c.Passed)?.Detail,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        return report;
    }

    private async Task<Result<Guid>> SaveAsync(Guid? targetId, TargetInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        SiemTarget? target = null;
        if (targetId is { } id)
        {
            target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
            if (target is null)
                return new NotFound("The target");
            if (target.Kind != input.Kind)
                return new Invalid("Kind", "A target's kind cannot change: add a new target of the other kind instead.");
        }

        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > SiemTarget.NameMaxLength)
            return new Invalid("Name", $"Name the target (1 to {SiemTarget.NameMaxLength} characters), e.g. 'Production Splunk'.");
        if (target is null && !AvailableKinds.Contains(input.Kind))
            return new Invalid("Kind", $"There is no {input.Kind} connector in this installation yet. Available: {string.Join(", ", AvailableKinds)}.");
        if (await db.SiemTargets.AnyAsync(t => t.Name == name && t.Id != targetId, cancellationToken))
            return new Invalid("Name", $"There is already a target named '{name}'.");

        var storedSecrets = target is null ? [] : await db.TargetSecrets.Where(s => s.TargetId == target.Id).ToListAsync(cancellationToken);
        var checkedInput = Check(input, storedSecrets.Select(s => s.Field).ToHashSet(StringComparer.Ordinal));
        if (!checkedInput.Succeeded)
            return checkedInput.Error;
        var settingsJson = checkedInput.Value;

        // A stored secret goes only where it went when it was entered: a new host or new trust needs it entered again.
        if (target is not null && TargetSettings.Deserialize(target.Kind, target.Settings) is { } previous
            && TargetSettings.Deserialize(target.Kind, settingsJson) is { } next)
        {
            var redirected = next.SecretsRedirectedFrom(previous)
                .FirstOrDefault(f => storedSecrets.Any(s => s.Field == f) && !input.Secrets.ContainsKey(f));
            if (redirected is not null)
            {
                var label = next.SecretFields.Single(f => f.Name == redirected).Label.ToLowerInvariant();
                return new Invalid(redirected,
                    $"The address or certificate trust this {label} is sent to changed: enter the {label} again (Replace), so a stored one is never sent somewhere new.");
            }
        }

        // Encrypted before anything is written: a company's first secret creates its tenant key on a connection of its own.
        var newId = target?.Id ?? Guid.CreateVersion7();
        var ciphertexts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (field, value) in input.Secrets)
        {
            var sealedValue = await protector.ProtectAsync(access.Value.CompanyId, CredentialProtector.TargetPurpose(newId, field), value, cancellationToken);
            if (!sealedValue.Succeeded)
                return sealedValue.Error is Invalid invalid ? new Invalid(field, invalid.Message) : sealedValue.Error;
            ciphertexts[field] = sealedValue.Value;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var actor = tenant.ToActor();
        var pipeline = Blank(input.Pipeline);
        var pipelineYaml = Blank(input.PipelineYaml) is null ? null : input.PipelineYaml;
        var replaced = ciphertexts.Keys.Order(StringComparer.Ordinal).ToList();
        if (target is null)
        {
            target = new SiemTarget { Id = newId, CompanyId = access.Value.CompanyId, Name = name, Kind = input.Kind, CreatedAt = now };
            db.SiemTargets.Add(target);
        }
        else
        {
            target.UpdatedAt = now;
        }

        var before = targetId is null ? null : AuditView(target);
        (target.Name, target.ReadOnly, target.Settings, target.Pipeline, target.PipelineYaml) = (name, input.ReadOnly, settingsJson, pipeline, pipelineYaml);
        foreach (var (field, ciphertext) in ciphertexts)
        {
            var row = storedSecrets.FirstOrDefault(s => s.Field == field);
            if (row is null)
            {
                db.TargetSecrets.Add(new TargetSecret
                {
                    Id = Guid.CreateVersion7(),
                    CompanyId = target.CompanyId,
                    TargetId = target.Id,
                    Field = field,
                    Ciphertext = ciphertext,
                    ReplacedByUserId = actor.UserId,
                    ReplacedByName = actor.Name,
                    ReplacedAt = now,
                });
            }
            else
            {
                (row.Ciphertext, row.ReplacedByUserId, row.ReplacedByName, row.ReplacedAt) = (ciphertext, actor.UserId, actor.Name, now);
            }
        }

        if (before is null)
            db.Audit(actor, target.CompanyId, AuditActions.TargetCreated, now, "target", target.Id.ToString(), new { after = AuditView(target), secretsSet = replaced });
        else
            db.Audit(actor, target.CompanyId, AuditActions.TargetUpdated, now, "target", target.Id.ToString(), new { before, after = AuditView(target), replacedSecrets = replaced });
        await db.SaveChangesAsync(cancellationToken);
        return target.Id;
    }

    /// <summary>Validates everything but the name: secret fields, settings of the right kind, the pipeline. Nothing is written.</summary>
    private static Result<string?> Check(TargetInput input, IReadOnlySet<string> stored)
    {
        var fields = TargetSettings.SecretFieldsOf(input.Kind);
        foreach (var (field, value) in input.Secrets)
        {
            if (fields.FirstOrDefault(f => f.Name == field) is not { } known)
                return new Invalid(field, $"A {input.Kind} target has no secret field '{field}'.");
            if (string.IsNullOrWhiteSpace(value))
                return new Invalid(field, $"Enter the new {known.Label.ToLowerInvariant()}, or cancel replacing it to keep the stored one.");
        }

        var pipelines = CheckPipeline(input);
        if (!pipelines.Succeeded)
            return pipelines.Error;

        var expected = TargetSettings.Empty(input.Kind);
        if (expected is null)
        {
            return input.Settings is null
                ? Result<string?>.None
                : new Invalid("Settings", $"A {input.Kind} target has no settings.");
        }

        if (input.Settings is null || input.Settings.GetType() != expected.GetType())
            return new Invalid("Settings", $"A {input.Kind} target needs its {input.Kind} settings.");
        var settings = input.Settings.Normalized();
        if (settings.Problem(input.Secrets, stored, pipelines.Value) is { } problem)
            return problem;
        var json = TargetSettings.Serialize(settings);
        if (json.Length > TargetSettings.MaxJsonLength)
            return new Invalid("Settings", $"The settings are longer than {TargetSettings.MaxJsonLength / 1024} KiB.");
        return json;
    }

    /// <summary>The pipelines the connector gets: the built-in one, or the pasted one parsed (it is applied as text, never as a path).</summary>
    private static Result<IReadOnlyList<ProcessingPipeline>> CheckPipeline(TargetInput input) =>
        input.PipelineYaml is { Length: > MaxPipelineYamlLength }
            ? new Invalid("PipelineYaml", $"A pipeline is at most {MaxPipelineYamlLength / 1024} KiB.")
            : TargetPipelines.Of(input.Pipeline, input.PipelineYaml);

    /// <summary>The non-secret state of a target as the audit trail records it before and after a change.</summary>
    private static object AuditView(SiemTarget target) => new
    {
        name = target.Name,
        kind = target.Kind.ToString(),
        readOnly = target.ReadOnly,
        settings = target.Settings is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(target.Settings, AuditJson),
        pipeline = target.Pipeline,
        pipelineYamlSha256 = target.PipelineYaml is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(target.PipelineYaml))),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
