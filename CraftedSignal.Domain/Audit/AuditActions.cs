namespace CraftedSignal.Domain.Audit;

/// <summary>Stable action names; exports and SIEM searches depend on them, so never rename one.</summary>
public static class AuditActions
{
    public const string SignIn = "auth.sign_in";
    public const string SignInFailed = "auth.sign_in_failed";

    /// <summary>The failures of one account from one address in one throttle window after its first (which has its own entry).</summary>
    public const string SignInFailuresCounted = "auth.sign_in_failures_counted";
    public const string SignOut = "auth.sign_out";
    public const string PasswordChanged = "account.password_changed";
    public const string TwoFactorEnabled = "account.two_factor_enabled";
    public const string TwoFactorDisabled = "account.two_factor_disabled";
    public const string AuthenticatorReset = "account.authenticator_reset";
    public const string RecoveryCodesGenerated = "account.recovery_codes_generated";
    public const string PasskeyAdded = "account.passkey_added";
    public const string PasskeyRenamed = "account.passkey_renamed";
    public const string PasskeyRemoved = "account.passkey_removed";
    public const string SessionsRevoked = "account.sessions_revoked";
    public const string LockedOut = "auth.locked_out";
    public const string Registered = "auth.registered";
    public const string InstanceClaimed = "instance.claimed";
    public const string CompanyCreated = "company.created";
    public const string CompanySettingsChanged = "company.settings_changed";
    public const string CompanySwitched = "company.switched";
    public const string InvitationCreated = "invitation.created";
    public const string InvitationAccepted = "invitation.accepted";
    public const string InvitationRevoked = "invitation.revoked";
    public const string InvitationsPurged = "invitation.purged";
    public const string MemberRoleChanged = "member.role_changed";
    public const string MemberRemoved = "member.removed";
    public const string RuleCreated = "rule.created";
    public const string RuleEdited = "rule.edited";
    public const string RuleLifecycleChanged = "rule.lifecycle_changed";
    public const string RuleDetailsChanged = "rule.details_changed";
    public const string RuleArchived = "rule.archived";
    public const string RuleUnarchived = "rule.unarchived";
    public const string TargetCreated = "target.created";
    public const string TargetDeleted = "target.deleted";
    public const string TargetUpdated = "target.updated";
    public const string TargetConnectionTested = "target.connection_tested";
    public const string DeploymentRequested = "deployment.requested";
    public const string DeploymentSucceeded = "deployment.succeeded";
    public const string DeploymentFailed = "deployment.failed";
    public const string RemovalRequested = "deployment.removal_requested";
    public const string RemovalSucceeded = "deployment.removed";
    public const string RemovalFailed = "deployment.removal_failed";
    public const string AtomicRollback = "deployment.atomic_rollback";
    public const string SandboxEventsUploaded = "sandbox.events_uploaded";
    public const string SandboxDemoCreated = "sandbox.demo_created";
    public const string ReviewRequested = "review.requested";
    public const string ReviewDecided = "review.decided";
    public const string ReviewApproved = "review.approved";
    public const string ReviewWithdrawn = "review.withdrawn";
    public const string ReviewSuperseded = "review.superseded";
    public const string RulesImported = "rules.imported";
    public const string RulesExported = "rules.exported";
    public const string RuleTestSaved = "rule.test_saved";
    public const string RuleTestDeleted = "rule.test_deleted";
    public const string RuleTestRunStarted = "rule.test_run_started";
    public const string RuleTestRunFinished = "rule.test_run_finished";
    public const string TenantKeyCreated = "security.tenant_key_created";
    public const string TenantKeyRewrapped = "security.tenant_key_rewrapped";
    public const string MasterSecretRotated = "security.master_secret_rotated";
}
