using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Tenancy;

public sealed record CompanySummary(Guid Id, string Name, CompanyRole Role);

/// <summary>A company's settings: its name, how long invitations last, and its review policy.</summary>
public sealed record CompanySettings(string Name, int InvitationLifetimeDays, int RequiredApprovals = 1, int ReviewLifetimeDays = 14, bool RequireTestsForReview = true,
    MfaRequirement MfaRequirement = MfaRequirement.Nobody);

/// <summary>Companies the user belongs to, switching between them, creating one and changing its settings.</summary>
public sealed class CompanyService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    public const int MaxInvitationLifetimeDays = 30;
    public const int MaxRequiredApprovals = 5;
    public const int MaxReviewLifetimeDays = 90;

    public async Task<IReadOnlyList<CompanySummary>> ListMineAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Memberships.IgnoreQueryFilters()
            .Where(m => m.UserId == userId)
            .OrderBy(m => m.Company!.Name)
            .Select(m => new CompanySummary(m.CompanyId, m.Company!.Name, m.Role))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Resolves the company a user works in: their last choice if still a member, else their first company.</summary>
    public async Task<CompanySummary?> ResolveCurrentAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var preferred = await db.Users.Where(u => u.Id == userId).Select(u => u.CurrentCompanyId).FirstOrDefaultAsync(cancellationToken);
        var memberships = db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId);
        var chosen = preferred is null ? null : await memberships
            .Where(m => m.CompanyId == preferred)
            .Select(m => new CompanySummary(m.CompanyId, m.Company!.Name, m.Role))
            .FirstOrDefaultAsync(cancellationToken);
        return chosen ?? await memberships
            .OrderBy(m => m.JoinedAt)
            .Select(m => new CompanySummary(m.CompanyId, m.Company!.Name, m.Role))
            .FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<Result> SwitchAsync(string userId, Guid companyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var isMember = await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == userId && m.CompanyId == companyId, cancellationToken);
        if (!isMember)
            return new NotFound("The company");

        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        if (user.CurrentCompanyId == companyId && tenant.CompanyId == companyId)
            return Result.Ok();

        var from = tenant.CompanyId ?? user.CurrentCompanyId;
        user.CurrentCompanyId = companyId;
        db.Audit(tenant.ToActor(), companyId, AuditActions.CompanySwitched, time.GetUtcNow().UtcDateTime, "company", companyId.ToString(), new { from });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>Creates a company with the acting user as its Owner. Only an Owner of a company may create another.</summary>
    public async Task<Result<Guid>> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        if (tenant.UserId is not { } userId)
            return new NoCurrentCompany();
        if (ValidateName(name) is { } invalid)
            return invalid;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ownsOne = await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == userId && m.Role == CompanyRole.Owner, cancellationToken);
        if (!ownsOne)
            return new Forbidden("Only an Owner of a company can create another company.");

        var now = time.GetUtcNow().UtcDateTime;
        var company = NewCompany(db, name.Trim(), userId, now);
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        user.CurrentCompanyId = company.Id;
        db.Audit(tenant.ToActor(), company.Id, AuditActions.CompanyCreated, now, "company", company.Id.ToString(), new { name = company.Name });
        await db.SaveChangesAsync(cancellationToken);
        return company.Id;
    }

    public async Task<Result<CompanySettings>> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var settings = await db.Companies.Where(c => c.Id == access.Value.CompanyId)
            .Select(c => new CompanySettings(c.Name, c.InvitationLifetimeDays, c.RequiredApprovals, c.ReviewLifetimeDays, c.RequireTestsForReview, c.MfaRequirement))
            .FirstOrDefaultAsync(cancellationToken);
        return settings is null ? new NotFound("The company") : settings;
    }

    public async Task<Result> UpdateSettingsAsync(CompanySettings settings, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        if (ValidateName(settings.Name) is { } invalid)
            return invalid;
        if (settings.InvitationLifetimeDays is < 1 or > MaxInvitationLifetimeDays)
            return new Invalid(nameof(CompanySettings.InvitationLifetimeDays), $"Invitation links must last between 1 and {MaxInvitationLifetimeDays} days.");
        if (settings.RequiredApprovals is < 1 or > MaxRequiredApprovals)
            return new Invalid(nameof(CompanySettings.RequiredApprovals), $"Between 1 and {MaxRequiredApprovals} approvers: the author never counts, so at least one other person reviews every change.");
        if (settings.ReviewLifetimeDays is < 1 or > MaxReviewLifetimeDays)
            return new Invalid(nameof(CompanySettings.ReviewLifetimeDays), $"Reviews must stay open between 1 and {MaxReviewLifetimeDays} days.");

        if (!Enum.IsDefined(settings.MfaRequirement))
            return new Invalid(nameof(CompanySettings.MfaRequirement), "Choose who must use a second factor: nobody, Owners and Admins, or everyone.");

        var company = await db.Companies.FirstAsync(c => c.Id == access.Value.CompanyId, cancellationToken);
        var before = new CompanySettings(company.Name, company.InvitationLifetimeDays, company.RequiredApprovals, company.ReviewLifetimeDays, company.RequireTestsForReview, company.MfaRequirement);
        var after = settings with { Name = settings.Name.Trim() };
        if (before == after)
            return Result.Ok();

        company.Name = after.Name;
        company.InvitationLifetimeDays = after.InvitationLifetimeDays;
        company.RequiredApprovals = after.RequiredApprovals;
        company.ReviewLifetimeDays = after.ReviewLifetimeDays;
        company.RequireTestsForReview = after.RequireTestsForReview;
        company.MfaRequirement = after.MfaRequirement;
        db.Audit(tenant.ToActor(), company.Id, AuditActions.CompanySettingsChanged, time.GetUtcNow().UtcDateTime,
            "company", company.Id.ToString(), new { before, after });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    internal static Company NewCompany(AppDbContext db, string name, string ownerUserId, DateTime now)
    {
        var company = new Company { Id = Guid.CreateVersion7(), Name = name, CreatedAt = now };
        db.Companies.Add(company);
        db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), CompanyId = company.Id, UserId = ownerUserId, Role = CompanyRole.Owner, JoinedAt = now });
        return company;
    }

    internal static Invalid? ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
            return new Invalid("Name", "Enter a company name.");
        if (trimmed.Length > Company.NameMaxLength)
            return new Invalid("Name", $"A company name can be at most {Company.NameMaxLength} characters (this one has {trimmed.Length}).");
        if (trimmed.Any(char.IsControl))
            return new Invalid("Name", "A company name cannot contain control characters such as line breaks.");
        return null;
    }
}
