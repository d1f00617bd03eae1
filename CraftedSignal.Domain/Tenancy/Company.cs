namespace CraftedSignal.Domain.Tenancy;

/// <summary>Who in a company must sign in with a second factor (a passkey or an authenticator app) to use it.</summary>
public enum MfaRequirement
{
    Nobody,
    OwnersAndAdmins,
    Everyone,
}

/// <summary>The tenant: a team whose rules, targets and evidence are kept apart from every other company's.</summary>
public sealed class Company
{
    public const int NameMaxLength = 100;

    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Days an invitation link stays valid.</summary>
    public int InvitationLifetimeDays { get; set; } = 7;

    /// <summary>Unique reviewers, other than the author, who must approve a rule version.</summary>
    public int RequiredApprovals { get; set; } = 1;

    /// <summary>Days a review request stays open before it expires and must be submitted again.</summary>
    public int ReviewLifetimeDays { get; set; } = 14;

    /// <summary>
    /// A version can be submitted for review only after a finished run of its tests passed. Off is an explicit choice
    /// of the company (audited); then failing tests still block, missing or unfinished ones do not.
    /// </summary>
    public bool RequireTestsForReview { get; set; } = true;

    /// <summary>Members it covers who have neither a passkey nor an authenticator app are led to add one before anything else.</summary>
    public MfaRequirement MfaRequirement { get; set; }

    /// <summary>Whether a member with <paramref name="role"/> must have a second factor here.</summary>
    public static bool RequiresMfa(MfaRequirement requirement, CompanyRole role) => requirement switch
    {
        MfaRequirement.Everyone => true,
        MfaRequirement.OwnersAndAdmins => role is CompanyRole.Owner or CompanyRole.Admin,
        _ => false,
    };
}
