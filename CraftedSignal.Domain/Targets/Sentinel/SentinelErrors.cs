using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets.Sentinel;

/// <summary>
/// Why a Microsoft Sentinel call did not do what it was asked, where Entra ID or Azure Resource Manager said so (failures
/// of the exchange itself are the shared <see cref="Http.TargetTransportError"/> records). Messages quote Microsoft's
/// text, trimmed and with the client secret and every access token removed.
/// </summary>
public abstract record SentinelError(string Message, ErrorKind Kind, bool Transient) : TargetError(Message, Kind, Transient);

/// <summary>Entra ID refused the client-credentials request; <see cref="Setting"/> is the setting to fix.</summary>
public sealed record SentinelTokenRefused(string Setting, string EntraError, string? AadstsCode, string Explanation)
    : SentinelError($"Microsoft Entra ID refused the token request ({EntraError}{(AadstsCode is null ? "" : $", {AadstsCode}")}): {Explanation}", ErrorKind.Invalid, false);

/// <summary>Entra ID answered 200 but not with a usable bearer token.</summary>
public sealed record SentinelTokenUnusable(string Detail)
    : SentinelError($"Microsoft Entra ID's token answer cannot be used: {Detail}", ErrorKind.Conflict, false);

/// <summary>ARM refused the token, still after one fresh token.</summary>
public sealed record SentinelUnauthorized(string? ArmCode, string? ArmMessage)
    : SentinelError($"Azure Resource Manager rejected the access token (401{(ArmCode is null ? "" : $" {ArmCode}")}{(ArmMessage is null ? "" : $": {ArmMessage}")}), also after a fresh one: check that TenantId is the tenant of the subscription.", ErrorKind.Invalid, false);

/// <summary>403: the app's service principal lacks <see cref="Action"/> on the workspace; <see cref="Role"/> is the built-in role that has it.</summary>
public sealed record SentinelForbidden(string? Action, string? Role, string? ArmMessage)
    : SentinelError(Action is not null
        ? $"The app registration may not perform '{Action}' on the workspace (403 AuthorizationFailed). Assign its service principal the {Role ?? "a"} role on the workspace or its resource group (a new assignment can take a few minutes to apply)."
        : $"The app registration may not do this (403{(ArmMessage is null ? "" : $": {ArmMessage}")}). Check its role on the workspace.", ErrorKind.Invalid, false);

/// <summary>The subscription, resource group or workspace does not exist (or Sentinel does not see it); <see cref="Setting"/> says which.</summary>
public sealed record SentinelWorkspaceNotFound(string Setting, string Name, string? ArmCode, string? ArmMessage)
    : SentinelError($"Azure has no {Setting switch { "SubscriptionId" => "subscription", "ResourceGroup" => "resource group", _ => "workspace" }} '{Name}' for this app (404{(ArmCode is null ? "" : $" {ArmCode}")}{(ArmMessage is null ? "" : $": {ArmMessage}")}): check {Setting}.", ErrorKind.Invalid, false);

/// <summary>400 and other 4xx: ARM or Sentinel refused the request, e.g. a query Sentinel cannot run.</summary>
public sealed record SentinelRejected(int Status, string? ArmCode, string? ArmMessage)
    : SentinelError($"Microsoft Sentinel refused the request ({Status}{(ArmCode is null ? "" : $" {ArmCode}")}){(ArmMessage is null ? "" : $": {ArmMessage}")}.", ErrorKind.Conflict, false);

/// <summary>409: the rule changed in Sentinel between our read and our write, twice in a row.</summary>
public sealed record SentinelConflict(string? ArmMessage)
    : SentinelError($"The alert rule was changed in Microsoft Sentinel while it was being written (409{(ArmMessage is null ? "" : $": {ArmMessage}")}). Trying again reads the new version first.", ErrorKind.Conflict, true);

public sealed record SentinelServerError(string Service, int Status, string? Code, string? ServiceMessage)
    : SentinelError($"{Service} failed with {Status}{(Code is null ? "" : $" {Code}")}{(ServiceMessage is null ? "" : $": {ServiceMessage}")}.", ErrorKind.Conflict, Status is not (501 or 505));

/// <summary>A list page's nextLink points away from ARM: it was not followed, so the token did not go there.</summary>
public sealed record SentinelForeignNextLink(string? Host)
    : SentinelError($"Azure Resource Manager's nextLink points to another host ({Host ?? "not a URL"}); it was not followed, so the access token stayed with ARM.", ErrorKind.Conflict, false);

public sealed record SentinelRuleNotDeployable(string Reason) : SentinelError(Reason, ErrorKind.Invalid, false);
