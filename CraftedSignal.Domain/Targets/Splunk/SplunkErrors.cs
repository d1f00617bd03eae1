using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>
/// Why a Splunk call did not do what it was asked, where Splunk itself said so (the transport's failures, shared by every
/// connector, are the <see cref="Http.TargetTransportError"/> records). Messages quote Splunk's own text, trimmed and with
/// any token removed; they never carry a token.
/// </summary>
public abstract record SplunkError(string Message, ErrorKind Kind, bool Transient) : TargetError(Message, Kind, Transient);

public sealed record SplunkUnauthorized(string? SplunkMessage)
    : SplunkError($"Splunk rejected the token (401{(SplunkMessage is null ? "" : $": {SplunkMessage}")}): it is wrong, expired or disabled, or token authentication is off.", ErrorKind.Invalid, false);

public sealed record SplunkForbidden(string? Capability, string? SplunkMessage)
    : SplunkError(Capability is not null
        ? $"The token's Splunk user lacks the capability '{Capability}' (403). Give its role that capability."
        : $"The token's Splunk user may not do this (403{(SplunkMessage is null ? "" : $": {SplunkMessage}")}). Check its role and the app's permissions.", ErrorKind.Invalid, false);

public sealed record SplunkNamespaceNotFound(string Owner, string App, string? SplunkMessage)
    : SplunkError($"Splunk has no app '{App}' for owner '{Owner}' (404{(SplunkMessage is null ? "" : $": {SplunkMessage}")}): check App and Owner.", ErrorKind.Invalid, false);

public sealed record SplunkServerError(int Status, string? SplunkMessage)
    : SplunkError($"Splunk failed with {Status}{(SplunkMessage is null ? "" : $": {SplunkMessage}")}.", ErrorKind.Conflict, Status is not (501 or 505));

public sealed record SplunkRejected(int Status, string? SplunkMessage)
    : SplunkError($"Splunk refused the request ({Status}){(SplunkMessage is null ? "" : $": {SplunkMessage}")}.", ErrorKind.Conflict, false);

public sealed record SplunkSearchFailed(string Detail)
    : SplunkError($"The Splunk search failed: {Detail}", ErrorKind.Conflict, false);

public sealed record SplunkHecRejected(int Status, int? Code, string Text)
    : SplunkError($"Splunk's HTTP Event Collector refused the events ({Status}{(Code is { } c ? $", code {c}" : "")}: {Text}).", ErrorKind.Conflict, Status >= 500);

public sealed record SplunkRuleNotDeployable(string Reason) : SplunkError(Reason, ErrorKind.Invalid, false);
