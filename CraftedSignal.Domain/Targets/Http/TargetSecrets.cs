namespace CraftedSignal.Domain.Targets.Http;

/// <summary>
/// The secrets of one connection (tokens, a client secret, access tokens as they are issued), so that no text taken
/// from a target's answer can carry one into an error or a log line. Thread-safe; secrets are only ever added.
/// </summary>
public sealed class TargetSecrets
{
    public const string Placeholder = "[redacted]";

    private readonly object _lock = new();
    private string[] _values = [];

    public TargetSecrets(params IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
            Add(secret);
    }

    /// <summary>Adds a secret, and its URL-encoded form when that differs (a form body echoed back carries it encoded).</summary>
    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
            return;
        lock (_lock)
        {
            _values = _values.Append(secret).Append(Uri.EscapeDataString(secret))
                .Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
        }
    }

    /// <summary>The text with every secret replaced by <see cref="Placeholder"/>.</summary>
    public string Redact(string text)
    {
        var values = _values;
        foreach (var secret in values)
            text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
        return text;
    }
}
