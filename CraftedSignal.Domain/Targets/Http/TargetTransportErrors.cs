using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets.Http;

/// <summary>
/// A failure of the HTTP exchange itself, the same for every kind of target: <see cref="Service"/> names the party that
/// did not answer as it should ("Splunk", "Microsoft Entra ID", "Azure Resource Manager").
/// </summary>
public abstract record TargetTransportError(string Service, string Message, ErrorKind Kind, bool Transient) : TargetError(Message, Kind, Transient);

public sealed record TargetHostNotFound(string Service, string Host, bool Temporary)
    : TargetTransportError(Service, $"The {Service} host '{Host}' could not be resolved (DNS){(Temporary ? ": the name server did not answer" : ": check the URL")}.", ErrorKind.Invalid, Temporary);

public sealed record TargetConnectionRefused(string Service, string Host, int Port)
    : TargetTransportError(Service, $"{Service} at {Host}:{Port} refused the connection: nothing listens on that port (wrong port, or the service is down).", ErrorKind.Conflict, true);

public sealed record TargetUnreachable(string Service, string Host, string Detail)
    : TargetTransportError(Service, $"{Service} at {Host} could not be reached: {Detail}", ErrorKind.Conflict, true);

public sealed record TargetTlsFailure(string Service, string Host, string Reason)
    : TargetTransportError(Service, $"The TLS connection to {Host} was refused: {Reason} Trust {Service}'s CA or pin its certificate in the target's settings.", ErrorKind.Invalid, false);

public sealed record TargetTimeout(string Service, string Operation, TimeSpan After)
    : TargetTransportError(Service, $"{Service} did not answer {Operation} within {After.TotalSeconds:0.#} s.", ErrorKind.Conflict, true);

public sealed record TargetConnectionLost(string Service, string Operation)
    : TargetTransportError(Service, $"The connection to {Service} was lost during {Operation}; {Service} may or may not have made the change. Trying again is safe.", ErrorKind.Conflict, true);

public sealed record TargetThrottled(string Service, int Status, TimeSpan? RetryAfter, int Attempts)
    : TargetTransportError(Service, $"{Service} is busy ({Status}) after {Attempts} attempt(s){(RetryAfter is { } wait ? $"; it asks to wait {wait.TotalSeconds:0} s" : "")}.", ErrorKind.Conflict, true);

public sealed record TargetMalformedResponse(string Service, string Detail)
    : TargetTransportError(Service, $"{Service}'s answer could not be read: {Detail}", ErrorKind.Conflict, false);

public sealed record TargetResponseTooLarge(string Service, long LimitBytes)
    : TargetTransportError(Service, $"{Service}'s answer is larger than {LimitBytes / (1024 * 1024.0):0.#} MB; it was not read.", ErrorKind.Conflict, false);

public sealed record TargetRedirectRefused(string Service, int Status, string? LocationHost, bool OtherHost)
    : TargetTransportError(Service, OtherHost
        ? $"{Service} redirected ({Status}) to another host, {LocationHost}; the redirect was not followed, so no credential went there. Use the URL {Service} answers on."
        : $"{Service} redirected ({Status}); redirects are not followed. Use the URL {Service} answers on.", ErrorKind.Invalid, false);
