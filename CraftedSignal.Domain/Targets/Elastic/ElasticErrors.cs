using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>
/// Why an Elastic Security call did not do what it was asked, where Kibana said so (failures of the exchange itself are
/// the shared <see cref="Http.TargetTransportError"/> records). Messages quote Kibana's <c>message</c>, trimmed and with
/// the API key removed.
/// </summary>
public abstract record ElasticError(string Message, ErrorKind Kind, bool Transient) : TargetError(Message, Kind, Transient);

public sealed record ElasticUnauthorized(string? KibanaMessage)
    : ElasticError($"Kibana rejected the API key (401{(KibanaMessage is null ? "" : $": {KibanaMessage}")}): it is wrong, expired or invalidated. Create a new key and store its encoded value.", ErrorKind.Invalid, false);

/// <summary>403: the key's owner lacks <see cref="Privilege"/> (when Kibana names it) in the space.</summary>
public sealed record ElasticForbidden(string Space, string? Privilege, string? KibanaMessage)
    : ElasticError(Privilege is not null
        ? $"The API key may not do this in space '{Space}': Kibana says it needs the privilege [{Privilege}] (403). Give the key's owner a role with Security > Rules: All in that space, then create a new key (a key keeps the privileges it was created with)."
        : $"The API key may not do this in space '{Space}' (403{(KibanaMessage is null ? "" : $": {KibanaMessage}")}). Check the key owner's role: Security > Rules needs All.", ErrorKind.Invalid, false);

public sealed record ElasticSpaceNotFound(string Space)
    : ElasticError($"Kibana has no space '{Space}' that this API key can see (404): check Space (the space id from its URL, not its name) and the key owner's access to it.", ErrorKind.Invalid, false);

/// <summary>400 and other 4xx: Kibana refused the request, e.g. a query or field its schema does not accept.</summary>
public sealed record ElasticRejected(int Status, string? KibanaMessage)
    : ElasticError($"Kibana refused the request ({Status}){(KibanaMessage is null ? "" : $": {KibanaMessage}")}.", ErrorKind.Conflict, false);

/// <summary>The rule was deleted (or created) in Kibana between our create and our update.</summary>
public sealed record ElasticConflict(string Detail)
    : ElasticError($"The rule changed in Kibana while it was being written: {Detail} Trying again starts over.", ErrorKind.Conflict, true);

public sealed record ElasticServerError(int Status, string? KibanaMessage)
    : ElasticError($"Kibana failed with {Status}{(KibanaMessage is null ? "" : $": {KibanaMessage}")}.", ErrorKind.Conflict, Status is not (501 or 505));

/// <summary>Listing did not end within <see cref="ElasticConnection.MaxPages"/> pages.</summary>
public sealed record ElasticTooManyPages(int Pages)
    : ElasticError($"Kibana's rule list did not end within {Pages} pages; raise MaxPages or PageSize.", ErrorKind.Conflict, false);

public sealed record ElasticRuleNotDeployable(string Reason) : ElasticError(Reason, ErrorKind.Invalid, false);
