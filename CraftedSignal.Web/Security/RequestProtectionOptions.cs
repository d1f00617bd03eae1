using System.Net;

namespace CraftedSignal.Web.Security;

/// <summary>
/// Settings of section "Security" that decide whom a request may come through and from: the reverse proxies whose
/// forwarded headers are believed, the other origins whose pages may post here, and the instance operators.
/// </summary>
public sealed class RequestProtectionOptions
{
    public const string Section = "Security";

    /// <summary>Origins (<c>https://sso.example.com</c>) other than this one whose pages may send state-changing requests.</summary>
    public List<string> TrustedOrigins { get; set; } = [];

    /// <summary>IP addresses of reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, <c>10.0.0.0/8</c>) of such proxies.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may each add an address to <c>X-Forwarded-For</c>; one for the usual single proxy.</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Emails of users who may open the job dashboard, besides the Owners of the first company.</summary>
    public List<string> InstanceOperators { get; set; } = [];

    /// <summary>True when at least one proxy is trusted, i.e. the instance is reached through one.</summary>
    public bool BehindProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public IEnumerable<IPAddress> ProxyAddresses() => KnownProxies.Select(p => IPAddress.Parse(p.Trim()));

    public IEnumerable<IPNetwork> ProxyNetworks() => KnownNetworks.Select(n => IPNetwork.Parse(n.Trim()));

    /// <summary>The trusted origins in their normal form (<c>scheme://host:port</c>, lower case).</summary>
    public IEnumerable<string> NormalizedTrustedOrigins() => TrustedOrigins.Select(o => CrossSiteRequestMiddleware.OriginOf(new Uri(o.Trim())));

    /// <summary>The first setting that cannot work, named with its index, or null.</summary>
    public string? Problem()
    {
        for (var i = 0; i < TrustedOrigins.Count; i++)
        {
            var origin = TrustedOrigins[i]?.Trim() ?? "";
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.PathAndQuery != "/" || uri.UserInfo.Length > 0)
                return $"Security:TrustedOrigins:{i} ('{origin}') is not an origin: write scheme, host and optional port only, such as https://sso.example.com.";
        }

        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i]?.Trim(), out _))
                return $"Security:KnownProxies:{i} ('{KnownProxies[i]}') is not an IP address, such as 10.0.0.5 or fd00::5.";
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[i]?.Trim(), out _))
                return $"Security:KnownNetworks:{i} ('{KnownNetworks[i]}') is not a network in CIDR notation, such as 10.0.0.0/8.";
        }

        return ForwardLimit < 1 ? $"Security:ForwardLimit must be at least 1 (was {ForwardLimit})." : null;
    }
}
