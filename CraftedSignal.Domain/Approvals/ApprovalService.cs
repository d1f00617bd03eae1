using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
public sealed class ApprovalService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, IOptions<EvaluationOptions> evaluation)
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
        if (message?.Length > 2000)
            return new Invalid("Message", "Keep the note to reviewers under 2,000 characters.");
        var now = time.GetUtcNow().UtcDateTime;
        var company = await db.Companies.Where(c => c.Id == access.Value.CompanyId)
            .Select(c => new { c.RequiredApprovals, c.ReviewLifetimeDays, c.RequireTestsForReview }).FirstAsync(cancellationToken);
        if (await WhyNotSubmittableAsync(db, rule, company.RequireTestsForReview, now, cancellationToken) is { } refusal)
            return refusal;

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
            ConcurrencyStamp = Guid.NewGuid(),
        };
        db.ApprovalRequests.Add(request);
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.ReviewRequested, now, "rule", rule.Id.ToString(),
            new { request = request.Id, title = rule.Title, version = rule.LatestVersion, requiredApprovals = request.RequiredApprovals, testStatus = rule.TestStatus.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        return request.Id;
    }

    /// <summary>Why the rule's latest version cannot be submitted for review now, or null when it can: what the editor shows beside the button.</summary>
    public async Task<Result<string?>> WhyNotSubmittableAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        var requireTests = await db.Companies.Where(c => c.Id == access.Value.CompanyId).Select(c => c.RequireTestsForReview).FirstAsync(cancellationToken);
        return (await WhyNotSubmittableAsync(db, rule, requireTests, time.GetUtcNow().UtcDateTime, cancellationToken))?.Message;
    }

    /// <summary>
    /// The rules of submission: no errors, not archived, not already waiting or approved, and tests that ran to the end
    /// on this version and passed (unless the company chose not to require tests; failing tests always block).
    /// </summary>
    private static async Task<NotSubmittable?> WhyNotSubmittableAsync(AppDbContext db, DetectionRule rule, bool requireTests, DateTime now, CancellationToken cancellationToken)
    {
        var version = rule.LatestVersion;
        if (rule.ArchivedAt is not null)
            return new NotSubmittable($"'{rule.Title}' is archived: restore it before asking for a review.");
        if (rule.HasErrors)
            return new NotSubmittable($"Version {version} has {rule.ErrorCount} error(s): it is kept as a draft and cannot be submitted for review until they are fixed.");
        if (rule.TestStatus == RuleTestStatus.Failing)
            return new NotSubmittable($"The tests of version {version} fail. Fix the rule or its tests before asking for a review.");
        if (requireTests && rule.TestStatus != RuleTestStatus.Passing)
        {
            if (!await db.RuleTestCases.AnyAsync(c => c.RuleId == rule.Id, cancellationToken))
                return new NotSubmittable("This company requires a passing test run before review: add a test case (some events and whether the rule should alert on them).");
            var running = await db.TestRuns.AnyAsync(r => r.RuleId == rule.Id && r.RuleVersion == version
                && (r.Status == TestRunStatus.Queued || r.Status == TestRunStatus.Running), cancellationToken);
            return new NotSubmittable(running
                ? $"The tests of version {version} are still running: it can be submitted once they pass."
                : $"Version {version} has no finished test run of its current cases: run the tests; it can be submitted once they pass.");
        }

        var open = await db.ApprovalRequests.Where(r => r.RuleId == rule.Id && r.RuleVersion == version
                && (r.Status == ApprovalStatus.Pending || r.Status == ApprovalStatus.Approved))
            .Select(r => new { r.Status, r.ExpiresAt }).ToListAsync(cancellationToken);
        if (open.Any(r => r.Status == ApprovalStatus.Approved))
            return new NotSubmittable($"Version {version} is already approved.");
        if (open.Any(r => r.Status == ApprovalStatus.Pending && r.ExpiresAt > now))
            return new NotSubmittable($"Version {version} is already waiting for review.");
        return null;
    }

    /// <summary>
    /// Records a reviewer's decision. A rejection or a request for changes closes the review; an approval that reaches the
    /// required number of unique, still-entitled reviewers approves it, in the same transaction as the decision and its
    /// audit entries. Every decision changes the review's concurrency stamp, so two decisions committed at once cannot both
    /// build on the same state: the later one is re-evaluated against what the first left.
    /// </summary>
    public async Task<Result<ApprovalStatus>> DecideAsync(Guid requestId, ReviewDecisionKind kind, string? comment, CancellationToken cancellationToken = default)
    {
        if (kind != ReviewDecisionKind.Approve && string.IsNullOrWhiteSpace(comment))
            return new Invalid("Comment", "Say what has to change: a rejection or a request for changes needs a comment for the author.");
        if (comment?.Length > MaxCommentLength)
            return new Invalid("Comment", $"The comment is {comment.Length:N0} characters; at most {MaxCommentLength:N0}.");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryDecideAsync(requestId, kind, comment, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                // Another decision on this review was committed first: decide again on the state it left.
            }
            catch (DbUpdateException ex) when (ex is not DbUpdateConcurrencyException)
            {
                // The unique (request, reviewer) index: the same reviewer decided in another tab a moment ago.
                return new NotDecidable("You have already decided on this review.");
            }
        }
    }

    private async Task<Result<ApprovalStatus>> TryDecideAsync(Guid requestId, ReviewDecisionKind kind, string? comment, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Approve, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var request = await db.ApprovalRequests.Include(r => r.Decisions).FirstOrDefaultAsync(r => r.Id == requestId, cancellationToken);
        if (request is null)
            return new NotFound("The review");
        var now = time.GetUtcNow().UtcDateTime;
        var authors = await AuthorsSinceApprovedAsync(db, request, cancellationToken);
        if (WhyNotDecidable(request, access.Value.UserId, authors, now) is { } refusal)
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
        request.ConcurrencyStamp = Guid.NewGuid();
        if (kind != ReviewDecisionKind.Approve)
        {
            request.Status = kind == ReviewDecisionKind.Reject ? ApprovalStatus.Rejected : ApprovalStatus.ChangesRequested;
            request.DecidedAt = now;
        }
        else
        {
            // Approvals count only from reviewers who may still approve in this company: a removed or demoted reviewer's
            // earlier approval no longer counts.
            var approvers = request.Decisions.Where(d => d.Kind == ReviewDecisionKind.Approve).Select(d => d.ReviewerUserId).Append(access.Value.UserId).Distinct().ToList();
            var entitled = await EntitledApproversAsync(db, request.CompanyId, approvers, cancellationToken);
            if (entitled.Count >= request.RequiredApprovals)
            {
                request.Status = ApprovalStatus.Approved;
                request.DecidedAt = now;
                db.Audit(tenant.ToActor(), request.CompanyId, AuditActions.ReviewApproved, now, "rule", request.RuleId.ToString(),
                    new { request = request.Id, title = request.RuleTitle, version = request.RuleVersion, approvals = entitled.Count, approvers = entitled });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return request.Status;
    }

    /// <summary>The reviewers among <paramref name="userIds"/> whose membership in the company still lets them approve.</summary>
    private static async Task<List<string>> EntitledApproversAsync(AppDbContext db, Guid companyId, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var roles = await db.Memberships.IgnoreQueryFilters().Where(m => m.CompanyId == companyId && userIds.Contains(m.UserId))
            .Select(m => new { m.UserId, m.Role }).ToListAsync(cancellationToken);
        return roles.Where(m => m.Role.Allows(Permission.Approve)).Select(m => m.UserId).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Everyone who wrote or recorded a version the reviewer would approve: every version after the last approved one up
    /// to the one under review (all of them when none was approved). A reviewer approves that whole diff, so none of them
    /// may decide it.
    /// </summary>
    private static async Task<HashSet<string>> AuthorsSinceApprovedAsync(AppDbContext db, ApprovalRequest request, CancellationToken cancellationToken)
    {
        var approved = (await ApprovedVersionsAsync(db, request.RuleId, cancellationToken)).Where(v => v < request.RuleVersion).DefaultIfEmpty(0).Max();
        var people = await db.RuleVersions.Where(v => v.RuleId == request.RuleId && v.Number > approved && v.Number <= request.RuleVersion)
            .Select(v => new { v.AuthorUserId, v.RecordedByUserId }).ToListAsync(cancellationToken);
        return people.SelectMany(p => new[] { p.AuthorUserId, p.RecordedByUserId }).OfType<string>().ToHashSet(StringComparer.Ordinal);
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
        var analysis = RuleAnalyzer.Analyze(rule.Format, rule.Language, version.Content, RuleService.NativeMetadataOf(rule), evaluation.Value.Validation);
        var tests = run is null ? null : RuleTestService.ToView(run);
        var risk = ReviewRisk.Assess(rule, analysis, neverApproved: approved is null, changes, caseCount, tests);

        var now = time.GetUtcNow().UtcDateTime;
        var row = Row(now).Compile()(request);
        var refusal = WhyNotDecidable(request, access.Value.UserId, await AuthorsSinceApprovedAsync(db, request, cancellationToken), now)?.Message
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

    private static NotDecidable? WhyNotDecidableStatus(ApprovalRequest request, DateTime now) => request.Status switch
    {
        ApprovalStatus.Pending when request.ExpiresAt <= now => new NotDecidable($"This review expired on {request.ExpiresAt:yyyy-MM-dd HH:mm} UTC. The author can submit the version again."),
        ApprovalStatus.Pending => null,
        _ => new NotDecidable($"This review is {Describe(request.Status)}: it can no longer be decided."),
    };

    private static Common.Error? WhyNotDecidable(ApprovalRequest request, string userId, IReadOnlySet<string> authors, DateTime now)
    {
        if (WhyNotDecidableStatus(request, now) is { } status)
            return status;
        if (userId == request.RequestedByUserId || authors.Contains(userId))
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
