using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Approvals;

/// <summary>A request as the review queue lists it.</summary>
public sealed record ReviewRow(Guid Id, Guid RuleId, string RuleTitle, int RuleVersion, string RequestedByName, DateTime CreatedAt,
    ApprovalStatus Status, bool IsExpired, int Approvals, int RequiredApprovals);

public sealed record ReviewDecisionView(string ReviewerName, ReviewDecisionKind Kind, string? Comment, DateTime CreatedAt);

/// <summary>Everything a reviewer weighs: the change against the last approved version, its tests, its risk, and who decided what.</summary>
public sealed record ReviewView(
    ReviewRow Request,
    string? Message,
    DateTime ExpiresAt,
    RuleFormat Format,
    int? BaseVersion,
    bool BaseIsApproved,
    string BaseContent,
    string Content,
    IReadOnlyList<SemanticChange> Changes,
    TestRunView? Tests,
    int TestCaseCount,
    ReviewRisk Risk,
    IReadOnlyList<ReviewDecisionView> Decisions,
    string? CannotDecideReason,
    bool CanWithdraw);

/// <summary>
/// Reviews of rule versions: submission (refused for versions with errors or failing tests), decisions by unique
/// reviewers who are neither the author nor the requester, approval once the company's required number is reached.
/// </summary>
public sealed class ApprovalService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    public const int MaxCommentLength = 4000;

    public async Task<Result<Guid>> SubmitAsync(Guid ruleId, string? message = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.HasErrors)
            return new NotSubmittable($"Version {rule.LatestVersion} has {rule.ErrorCount} error(s): it is kept as a draft and cannot be submitted for review until they are fixed.");
        if (rule.TestStatus == RuleTestStatus.Failing)
            return new NotSubmittable($"The tests of version {rule.LatestVersion} fail. Fix the rule or its tests before asking for a review.");
        if (message?.Length > 2000)
            return new Invalid("Message", "Keep the note to reviewers under 2,000 characters.");
        var open = await db.ApprovalRequests.Where(r => r.RuleId == ruleId && r.RuleVersion == rule.LatestVersion
                && (r.Status == ApprovalStatus.Pending || r.Status == ApprovalStatus.Approved))
            .Select(r => new { r.Status, r.ExpiresAt }).ToListAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        if (open.Any(r => r.Status == ApprovalStatus.Approved))
            return new NotSubmittable($"Version {rule.LatestVersion} is already approved.");
        if (open.Any(r => r.Status == ApprovalStatus.Pending && r.ExpiresAt > now))
            return new NotSubmittable($"Version {rule.LatestVersion} is already waiting for review.");

        var company = await db.Companies.Where(c => c.Id == access.Value.CompanyId)
            .Select(c => new { c.RequiredApprovals, c.ReviewLifetimeDays }).FirstAsync(cancellationToken);
        var request = new ApprovalRequest
        {
            Id = Guid.CreateVersion7(),
            CompanyId = rule.CompanyId,
            RuleId = rule.Id,
            RuleVersion = rule.LatestVersion,
            RuleTitle = rule.Title,
            RequestedByUserId = access.Value.UserId,
            RequestedByName = tenant.UserName,
            Message = string.IsNullOrWhiteSpace(message) ? null : message.Trim(),
            RequiredApprovals = company.RequiredApprovals,
            Status = ApprovalStatus.Pending,
            CreatedAt = now,
            ExpiresAt = now.AddDays(company.ReviewLifetimeDays),
        };
        db.ApprovalRequests.Add(request);
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.ReviewRequested, now, "rule", rule.Id.ToString(),
            new { request = request.Id, title = rule.Title, version = rule.LatestVersion, requiredApprovals = request.RequiredApprovals });
        await db.SaveChangesAsync(cancellationToken);
        return request.Id;
    }

    public async Task<Result<ApprovalStatus>> DecideAsync(Guid requestId, ReviewDecisionKind kind, string? comment, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Approve, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var request = await db.ApprovalRequests.Include(r => r.Decisions).FirstOrDefaultAsync(r => r.Id == requestId, cancellationToken);
        if (request is null)
            return new NotFound("The review");
        if (kind != ReviewDecisionKind.Approve && string.IsNullOrWhiteSpace(comment))
            return new Invalid("Comment", "Say what has to change: a rejection or a request for changes needs a comment for the author.");
        if (comment?.Length > MaxCommentLength)
            return new Invalid("Comment", $"The comment is {comment.Length:N0} characters; at most {MaxCommentLength:N0}.");
        var now = time.GetUtcNow().UtcDateTime;
        var authorId = await db.RuleVersions.Where(v => v.RuleId == request.RuleId && v.Number == request.RuleVersion).Select(v => v.AuthorUserId).FirstOrDefaultAsync(cancellationToken);
        if (WhyNotDecidable(request, access.Value.UserId, authorId, now) is { } refusal)
            return refusal;

        db.ReviewDecisions.Add(new ReviewDecision
        {
            Id = Guid.CreateVersion7(),
            CompanyId = request.CompanyId,
            RequestId = request.Id,
            ReviewerUserId = access.Value.UserId,
            ReviewerName = tenant.UserName,
            Kind = kind,
            Comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
            CreatedAt = now,
        });
        db.Audit(tenant.ToActor(), request.CompanyId, AuditActions.ReviewDecided, now, "rule", request.RuleId.ToString(),
            new { request = request.Id, version = request.RuleVersion, decision = kind.ToString(), comment });
        if (kind != ReviewDecisionKind.Approve)
        {
            request.Status = kind == ReviewDecisionKind.Reject ? ApprovalStatus.Rejected : ApprovalStatus.ChangesRequested;
            request.DecidedAt = now;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique (request, reviewer) index: the same reviewer decided in another tab a moment ago.
            return new NotDecidable("You have already decided on this review.");
        }

        return kind == ReviewDecisionKind.Approve ? await CompleteIfApprovedAsync(requestId, cancellationToken) : request.Status;
    }

    public async Task<Result> WithdrawAsync(Guid requestId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var request = await db.ApprovalRequests.FirstOrDefaultAsync(r => r.Id == requestId, cancellationToken);
        if (request is null)
            return new NotFound("The review");
        if (request.RequestedByUserId != access.Value.UserId && !access.Value.Role.Allows(Permission.Administer))
            return new NotDecidable("Only whoever asked for the review, or an Admin, can withdraw it.");
        if (request.Status != ApprovalStatus.Pending)
            return new NotDecidable($"This review is {Describe(request.Status)}: there is nothing to withdraw.");
        var now = time.GetUtcNow().UtcDateTime;
        request.Status = ApprovalStatus.Withdrawn;
        request.DecidedAt = now;
        db.Audit(tenant.ToActor(), request.CompanyId, AuditActions.ReviewWithdrawn, now, "rule", request.RuleId.ToString(),
            new { request = request.Id, version = request.RuleVersion });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>The review queue: open requests first (oldest first), or everything, newest first.</summary>
    public async Task<Result<IReadOnlyList<ReviewRow>>> ListAsync(bool openOnly, int limit = 200, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var now = time.GetUtcNow().UtcDateTime;
        var requests = db.ApprovalRequests.AsNoTracking();
        requests = openOnly
            ? requests.Where(r => r.Status == ApprovalStatus.Pending && r.ExpiresAt > now).OrderBy(r => r.CreatedAt)
            : requests.OrderByDescending(r => r.CreatedAt);
        return await requests.Take(Math.Clamp(limit, 1, 1000)).Select(Row(now)).ToListAsync(cancellationToken);
    }

    /// <summary>The newest review of a rule, for the editor to show where the rule stands.</summary>
    public async Task<Result<ReviewRow?>> LatestForRuleAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var now = time.GetUtcNow().UtcDateTime;
        return await db.ApprovalRequests.AsNoTracking().Where(r => r.RuleId == ruleId).OrderByDescending(r => r.CreatedAt)
            .Select(Row(now)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The approved versions of a rule, newest first: what can be deployed (the first) or rolled back to.</summary>
    public async Task<Result<IReadOnlyList<int>>> ApprovedVersionsAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        return await ApprovedVersionsAsync(db, ruleId, cancellationToken);
    }

    internal static async Task<List<int>> ApprovedVersionsAsync(AppDbContext db, Guid ruleId, CancellationToken cancellationToken) =>
        await db.ApprovalRequests.Where(r => r.RuleId == ruleId && r.Status == ApprovalStatus.Approved)
            .Select(r => r.RuleVersion).Distinct().OrderByDescending(v => v).ToListAsync(cancellationToken);

    public async Task<Result<ReviewView>> GetAsync(Guid requestId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var request = await db.ApprovalRequests.AsNoTracking().Include(r => r.Decisions).FirstOrDefaultAsync(r => r.Id == requestId, cancellationToken);
        if (request is null)
            return new NotFound("The review");
        var rule = await db.DetectionRules.AsNoTracking().FirstAsync(r => r.Id == request.RuleId, cancellationToken);
        var version = await db.RuleVersions.AsNoTracking().FirstAsync(v => v.RuleId == request.RuleId && v.Number == request.RuleVersion, cancellationToken);

        // Reviewers compare with what was last approved; a rule never approved is compared with its previous version.
        var approved = (await ApprovedVersionsAsync(db, request.RuleId, cancellationToken)).Where(v => v < request.RuleVersion).Cast<int?>().FirstOrDefault();
        var baseVersion = approved ?? (request.RuleVersion > 1 ? request.RuleVersion - 1 : null);
        var baseContent = baseVersion is { } number
            ? await db.RuleVersions.Where(v => v.RuleId == request.RuleId && v.Number == number).Select(v => v.Content).FirstAsync(cancellationToken)
            : "";
        var changes = rule.Format == RuleFormat.Sigma && baseVersion is not null ? SemanticDiff.Compare(baseContent, version.Content) : [];
        var run = await db.TestRuns.AsNoTracking().Include(r => r.Results).Where(r => r.RuleId == request.RuleId && r.RuleVersion == request.RuleVersion)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var caseCount = await db.RuleTestCases.CountAsync(c => c.RuleId == request.RuleId, cancellationToken);
        var analysis = RuleAnalyzer.Analyze(rule.Format, rule.Language, version.Content, RuleService.NativeMetadataOf(rule));
        var tests = run is null ? null : RuleTestService.ToView(run);
        var risk = ReviewRisk.Assess(rule, analysis, neverApproved: approved is null, changes, caseCount, tests);

        var now = time.GetUtcNow().UtcDateTime;
        var row = Row(now).Compile()(request);
        var refusal = WhyNotDecidable(request, access.Value.UserId, version.AuthorUserId, now)?.Message
            ?? (access.Value.Role.Allows(Permission.Approve) ? null : "Your role can read reviews but not decide them.");
        var canWithdraw = request.Status == ApprovalStatus.Pending
            && access.Value.Role.Allows(Permission.Author)
            && (request.RequestedByUserId == access.Value.UserId || access.Value.Role.Allows(Permission.Administer));
        return new ReviewView(row, request.Message, request.ExpiresAt, rule.Format, baseVersion, approved is not null, baseContent, version.Content, changes, tests, caseCount, risk,
            request.Decisions.OrderBy(d => d.CreatedAt).Select(d => new ReviewDecisionView(d.ReviewerName, d.Kind, d.Comment, d.CreatedAt)).ToList(),
            refusal, canWithdraw);
    }

    /// <summary>Marks open reviews of older versions as superseded when a new version is saved: approving them would approve stale content.</summary>
    internal static async Task SupersedeOlderAsync(AppDbContext db, Actor actor, Guid ruleId, Guid companyId, int newVersion, DateTime now, CancellationToken cancellationToken)
    {
        var open = await db.ApprovalRequests.Where(r => r.RuleId == ruleId && r.Status == ApprovalStatus.Pending && r.RuleVersion < newVersion).ToListAsync(cancellationToken);
        foreach (var request in open)
        {
            request.Status = ApprovalStatus.Superseded;
            request.DecidedAt = now;
            db.Audit(actor, companyId, AuditActions.ReviewSuperseded, now, "rule", ruleId.ToString(),
                new { request = request.Id, version = request.RuleVersion, by = newVersion });
        }
    }

    /// <summary>
    /// Counts unique approvers after this decision was saved and approves the request once there are enough. The status
    /// only moves from Pending, so of two reviewers approving at the same moment exactly one completes it.
    /// </summary>
    private async Task<Result<ApprovalStatus>> CompleteIfApprovedAsync(Guid requestId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await db.ApprovalRequests.FirstAsync(r => r.Id == requestId, cancellationToken);
        var approvals = await db.ReviewDecisions.CountAsync(d => d.RequestId == requestId && d.Kind == ReviewDecisionKind.Approve, cancellationToken);
        if (request.Status != ApprovalStatus.Pending || approvals < request.RequiredApprovals)
            return request.Status;

        var now = time.GetUtcNow().UtcDateTime;
        var moved = await db.ApprovalRequests.Where(r => r.Id == requestId && r.Status == ApprovalStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ApprovalStatus.Approved).SetProperty(r => r.DecidedAt, now), cancellationToken);
        if (moved == 1)
        {
            db.Audit(tenant.ToActor(), request.CompanyId, AuditActions.ReviewApproved, now, "rule", request.RuleId.ToString(),
                new { request = request.Id, title = request.RuleTitle, version = request.RuleVersion, approvals });
            await db.SaveChangesAsync(cancellationToken);
        }

        return ApprovalStatus.Approved;
    }

    private static NotDecidable? WhyNotDecidableStatus(ApprovalRequest request, DateTime now) => request.Status switch
    {
        ApprovalStatus.Pending when request.ExpiresAt <= now => new NotDecidable($"This review expired on {request.ExpiresAt:yyyy-MM-dd HH:mm} UTC. The author can submit the version again."),
        ApprovalStatus.Pending => null,
        _ => new NotDecidable($"This review is {Describe(request.Status)}: it can no longer be decided."),
    };

    private static Common.Error? WhyNotDecidable(ApprovalRequest request, string userId, string? versionAuthorId, DateTime now)
    {
        if (WhyNotDecidableStatus(request, now) is { } status)
            return status;
        if (userId == request.RequestedByUserId || userId == versionAuthorId)
            return new OwnChange();
        if (request.Decisions.Any(d => d.ReviewerUserId == userId))
            return new NotDecidable("You have already decided on this review.");
        return null;
    }

    public static string Describe(ApprovalStatus status) => status switch
    {
        ApprovalStatus.ChangesRequested => "waiting for changes",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static System.Linq.Expressions.Expression<Func<ApprovalRequest, ReviewRow>> Row(DateTime now) => r => new ReviewRow(
        r.Id, r.RuleId, r.RuleTitle, r.RuleVersion, r.RequestedByName, r.CreatedAt, r.Status,
        r.Status == ApprovalStatus.Pending && r.ExpiresAt <= now,
        r.Decisions.Count(d => d.Kind == ReviewDecisionKind.Approve), r.RequiredApprovals);
}
