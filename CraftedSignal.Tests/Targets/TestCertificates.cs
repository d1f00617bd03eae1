using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CraftedSignal.Tests.Targets;

/// <summary>
/// A CA and a server certificate it signed for 127.0.0.1 only, made in memory once per test run, for the loopback
/// target servers (like a self-hosted SIEM with its own CA: a client trusts it only when given the CA or the pin).
/// </summary>
internal sealed record TestCertificates(X509Certificate2 Server, string CaPem, string LeafSha256)
{
    private static readonly Lazy<TestCertificates> Instance = new(Create);

    public static TestCertificates Shared => Instance.Value;

    private static TestCertificates Create()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=CraftedSignal Test Target CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=CraftedSignal Test Target", leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        using var leaf = leafRequest.Create(ca, now.AddDays(-1), now.AddDays(90), RandomNumberGenerator.GetBytes(16));
        using var withKey = leaf.CopyWithPrivateKey(leafKey);
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx, ""), "");
        return new TestCertificates(server, ca.ExportCertificatePem(), Convert.ToHexString(SHA256.HashData(leaf.RawData)));
    }
}
