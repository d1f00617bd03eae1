using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>
/// Why a Splunk call did not do what it was asked. <see cref="Transient"/> errors (timeouts, throttling, 5xx, lost
/// connections) may succeed when the job runs again; permanent ones need a person to fix a setting, a token, a role or the
/// rule. Messages quote Splunk's own text, trimmed and with any token removed; they never carry a token.
/// </summary>
public abstract record SplunkError(string Message, ErrorKind Kind, bool Transient) : Error(Message, Kind);

public sealed record SplunkSettingsInvalid(string Field, string Problem) : SplunkError(Problem, ErrorKind.Invalid, false);

public sealed record SplunkHostNotFound(string Host, bool Temporary)
    : SplunkError($"The Splunk host '{Host}' could not be resolved (DNS){(Temporary ? ": the name server did not answer" : ": check the URL")}.", ErrorKind.Invalid, Temporary);

public sealed record SplunkConnectionRefused(string Host, int Port)
    : SplunkError($"Splunk at {Host}:{Port} refused the connection: nothing listens on that port (wrong port, or splunkd is down).", ErrorKind.Conflict, true);

public sealed record SplunkUnreachable(string Host, string Detail)
    : SplunkError($"Splunk at {Host} could not be reached: {Detail}", ErrorKind.Conflict, true);

public sealed record SplunkTlsFailure(string Host, string Reason)
    : SplunkError($"The TLS connection to {Host} was refused: {Reason} Trust Splunk's CA or pin its certificate in the target's settings.", ErrorKind.Invalid, false);

public sealed record SplunkTimeout(string Operation, TimeSpan After)
    : SplunkError($"Splunk did not answer {Operation} within {After.TotalSeconds:0.#} s.", ErrorKind.Conflict, true);

public sealed record SplunkConnectionLost(string Operation)
    : SplunkError($"The connection to Splunk was lost during {Operation}; Splunk may or may not have made the change. Trying again is safe.", ErrorKind.Conflict, true);

public sealed record SplunkUnauthorized(string? SplunkMessage)
    : SplunkError($"Splunk rejected the token (401{(SplunkMessage is null ? "" : $": {SplunkMessage}")}): it is wrong, expired or disabled, or token authentication is off.", ErrorKind.Invalid, false);

public sealed record SplunkForbidden(string? Capability, string? SplunkMessage)
    : SplunkError(Capability is not null
        ? $"The token's Splunk user lacks the capability '{Capability}' (403). Give its role that capability."
        : $"The token's Splunk user may not do this (403{(SplunkMessage is null ? "" : $": {SplunkMessage}")}). Check its role and the app's permissions.", ErrorKind.Invalid, false);

public sealed record SplunkNamespaceNotFound(string Owner, string App, string? SplunkMessage)
    : SplunkError($"Splunk has no app '{App}' for owner '{Owner}' (404{(SplunkMessage is null ? "" : $": {SplunkMessage}")}): check App and Owner.", ErrorKind.Invalid, false);

public sealed record SplunkThrottled(int Status, TimeSpan? RetryAfter, int Attempts)
    : SplunkError($"Splunk is busy ({Status}) after {Attempts} attempt(s){(RetryAfter is { } wait ? $"; it asks to wait {wait.TotalSeconds:0} s" : "")}.", ErrorKind.Conflict, true);

public sealed record SplunkServerError(int Status, string? SplunkMessage)
    : SplunkError($"Splunk failed with {Status}{(SplunkMessage is null ? "" : $": {SplunkMessage}")}.", ErrorKind.Conflict, Status is not (501 or 505));

public sealed record SplunkRejected(int Status, string? SplunkMessage)
    : SplunkError($"Splunk refused the request ({Status}){(SplunkMessage is null ? "" : $": {SplunkMessage}")}.", ErrorKind.Conflict, false);

public sealed record SplunkMalformedResponse(string Detail)
    : SplunkError($"Splunk's answer could not be read: {Detail}", ErrorKind.Conflict, false);

public sealed record SplunkResponseTooLarge(long LimitBytes)
    : SplunkError($"Splunk's answer is larger than {LimitBytes / (1024 * 1024.0):0.#} MB; it was not read.", ErrorKind.Conflict, false);

public sealed record SplunkRedirectRefused(int Status, string? LocationHost, bool OtherHost)
    : SplunkError(OtherHost
        ? $"Splunk redirected ({Status}) to another host, {LocationHost}; the redirect was not followed, so the token stays with Splunk. Use the management URL Splunk answers on."
        : $"Splunk redirected ({Status}); redirects are not followed. Use the management URL Splunk answers on.", ErrorKind.Invalid, false);

public sealed record SplunkSearchFailed(string Detail)
    : SplunkError($"The Splunk search failed: {Detail}", ErrorKind.Conflict, false);

public sealed record SplunkHecRejected(int Status, int? Code, string Text)
    : SplunkError($"Splunk's HTTP Event Collector refused the events ({Status}{(Code is { } c ? $", code {c}" : "")}: {Text}).", ErrorKind.Conflict, Status >= 500);

public sealed record SplunkRuleNotDeployable(string Reason) : SplunkError(Reason, ErrorKind.Invalid, false);
