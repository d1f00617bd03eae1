using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CraftedSignal.Domain.Targets.Http;

/// <summary>Checks of the settings every connector has: endpoint URLs, a trusted CA, a certificate pin.</summary>
internal static class TargetSettings
{
    /// <summary>What is wrong with an endpoint URL a credential is sent to, or null: https (http only when allowed), no user info, query or fragment.</summary>
    public static string? UrlProblem(Uri? url, string field, string example, bool allowHttp)
    {
        if (url is null || !url.IsAbsoluteUri || url.Scheme is not ("https" or "http"))
            return $"{field} must be an absolute https URL, e.g. {example}.";
        if (url.Scheme == "http" && !allowHttp)
            return $"{field} is plain http, which would send the credentials unencrypted. Use https, or allow unencrypted http explicitly.";
        if (url.UserInfo.Length > 0)
            return $"{field} must not carry a user name or password; credentials are set on their own.";
        if (url.Query.Length > 0 || url.Fragment.Length > 0)
            return $"{field} must not have a query or fragment.";
        return null;
    }

    /// <summary>The certificates of a PEM text, or null when it holds none.</summary>
    public static X509Certificate2Collection? Certificates(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
            return null;
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            return certificates.Count == 0 ? null : certificates;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The 32 bytes of a SHA-256 fingerprint written in hex (colons allowed, as openssl prints it), or null.</summary>
    public static byte[]? PinBytes(string pin)
    {
        var hex = pin.Replace(":", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 64)
            return null;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
