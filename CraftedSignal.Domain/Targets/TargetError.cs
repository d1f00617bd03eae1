using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets;

/// <summary>
/// Why a connector call did not do what it was asked. <see cref="Transient"/> errors (timeouts, throttling, 5xx, lost
/// connections) may succeed when the job runs again; permanent ones need a person to fix a setting, a credential, a role
/// or the rule. Messages quote the target's own text, trimmed and with every secret removed; they never carry a secret.
/// </summary>
public abstract record TargetError(string Message, ErrorKind Kind, bool Transient) : Error(Message, Kind);

/// <summary>A setting of a target cannot be used as it is: <paramref name="Field"/> names it, <paramref name="Problem"/> says what to fix (never quoting a secret).</summary>
public sealed record TargetSettingsInvalid(string Field, string Problem) : TargetError(Problem, ErrorKind.Invalid, false);
