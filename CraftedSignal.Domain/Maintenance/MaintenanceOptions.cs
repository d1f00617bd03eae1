namespace CraftedSignal.Domain.Maintenance;

/// <summary>Configuration section "Maintenance".</summary>
public sealed class MaintenanceOptions
{
    /// <summary>Days an expired, unaccepted invitation stays visible (as Expired) before it is deleted.</summary>
    public int ExpiredInvitationRetentionDays { get; set; } = 7;

    /// <summary>Days a finished background work record is kept.</summary>
    public int FinishedWorkRetentionDays { get; set; } = 30;

    /// <summary>Cron expression (UTC) for the clean-up job.</summary>
    public string CleanupSchedule { get; set; } = "17 * * * *";

    /// <summary>Cron expression (UTC) for the verification of every audit chain; one also runs at start.</summary>
    public string AuditVerificationSchedule { get; set; } = "41 * * * *";
}
