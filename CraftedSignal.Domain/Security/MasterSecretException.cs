namespace CraftedSignal.Domain.Security;

/// <summary>
/// The master secret is missing or unusable: the app must not start. The message says which setting to fix and never
/// contains any part of a secret.
/// </summary>
public sealed class MasterSecretException(string message) : Exception(message);
