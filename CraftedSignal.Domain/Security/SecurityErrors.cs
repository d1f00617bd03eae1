using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Security;

/// <summary>The stored value is not a credential this version can read (empty, cut off, or of an unknown format version).</summary>
public sealed record CredentialMalformed(string Problem)
    : Error($"The stored credential cannot be read: {Problem} Enter the credential again.", ErrorKind.Conflict);

/// <summary>
/// The value does not authenticate: it was altered, or it belongs to another company or another field. The three are
/// deliberately not told apart.
/// </summary>
public sealed record CredentialNotAuthentic()
    : Error("The stored credential does not decrypt for this company and field: it was altered, or copied from elsewhere. Enter the credential again.", ErrorKind.Conflict);

/// <summary>The company's tenant key cannot be used: there is none, or the configured master secret does not open it.</summary>
public sealed record TenantKeyUnavailable(Guid CompanyId, string Problem)
    : Error($"The credential key of company {CompanyId} cannot be used: {Problem}", ErrorKind.Conflict);
