using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Targets;

public sealed record TargetView(Guid Id, string Name, TargetKind Kind, bool ReadOnly, DateTime CreatedAt, int DeployedRules);

/// <summary>The current company's deployment targets: everyone sees them, Owners and Admins add and remove them.</summary>
public sealed class TargetService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, IEnumerable<ITargetConnector> connectors)
{
    /// <summary>The kinds a target can be created with: those whose connector is installed.</summary>
    public IReadOnlyList<TargetKind> AvailableKinds => connectors.Select(c => c.Kind).Order().ToList();

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

    public async Task<Result<Guid>> CreateAsync(string name, TargetKind kind, bool readOnly = false, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > SiemTarget.NameMaxLength)
            return new Invalid("Name", $"Name the target (1 to {SiemTarget.NameMaxLength} characters), e.g. 'Production Splunk'.");
        if (!AvailableKinds.Contains(kind))
            return new Invalid("Kind", $"There is no {kind} connector in this installation yet. Available: {string.Join(", ", AvailableKinds)}.");
        if (await db.SiemTargets.AnyAsync(t => t.Name == trimmed, cancellationToken))
            return new Invalid("Name", $"There is already a target named '{trimmed}'.");

        var now = time.GetUtcNow().UtcDateTime;
        var target = new SiemTarget { Id = Guid.CreateVersion7(), CompanyId = access.Value.CompanyId, Name = trimmed, Kind = kind, ReadOnly = readOnly, CreatedAt = now };
        db.SiemTargets.Add(target);
        db.Audit(tenant.ToActor(), target.CompanyId, AuditActions.TargetCreated, now, "target", target.Id.ToString(), new { name = trimmed, kind = kind.ToString(), readOnly });
        await db.SaveChangesAsync(cancellationToken);
        return target.Id;
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

        db.SiemTargets.Remove(target);
        db.Audit(tenant.ToActor(), target.CompanyId, AuditActions.TargetDeleted, time.GetUtcNow().UtcDateTime, "target", target.Id.ToString(), new { name = target.Name });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }
}
