using System.Security.Cryptography;
using System.Xml.Linq;
using CraftedSignal.Domain.Security;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace CraftedSignal.Web.Security;

/// <summary>
/// The Data Protection key ring (which protects the sign-in and antiforgery cookies) sealed at rest under the
/// <see cref="AtRestKey"/>: each key's secret is written to <c>data/keys</c> sealed, and opened only with the master
/// secret. A copy of the data folder without the master secret cannot forge a cookie. Keys written before sealing are
/// deleted at start (<see cref="RetirePlaintextKeys"/>), which signs everyone out once.
/// </summary>
public static class DataProtectionAtRest
{
    internal const string Purpose = "data-protection-key";

    public static IServiceCollection SealDataProtectionKeys(this IServiceCollection services)
    {
        services.AddOptions<KeyManagementOptions>().Configure<AtRestKey>((options, key) => options.XmlEncryptor = new Encryptor(key));
        return services;
    }

    /// <summary>
    /// Deletes the key files in <paramref name="keysDirectory"/> whose secret is not sealed, before anything has read the
    /// key ring; Data Protection then creates a new, sealed key when it first needs one.
    /// </summary>
    public static int RetirePlaintextKeys(string keysDirectory, ILogger logger)
    {
        if (!Directory.Exists(keysDirectory))
            return 0;
        var plaintext = Directory.EnumerateFiles(keysDirectory, "key-*.xml")
            .Where(path => !XDocument.Load(path).Descendants().Any(e => e.Name.LocalName == "encryptedSecret"))
            .ToList();
        foreach (var path in plaintext)
            File.Delete(path);
        if (plaintext.Count > 0)
            logger.LogWarning("Deleted {Count} Data Protection keys stored before they were sealed at rest; everyone signed in signs in again once", plaintext.Count);
        return plaintext.Count;
    }

    private sealed class Encryptor(AtRestKey key) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new(new XElement("sealedKey", new XAttribute("format", "craftedsignal-at-rest-v1"), key.SealText(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose)),
                typeof(AtRestXmlDecryptor));
    }
}

/// <summary>Opens a key sealed by <see cref="DataProtectionAtRest"/>; created by Data Protection from the type named in the key's XML.</summary>
public sealed class AtRestXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var opened = services.GetRequiredService<AtRestKey>().OpenText(encryptedElement.Value, DataProtectionAtRest.Purpose)
            ?? throw new CryptographicException("A Data Protection key in the data folder does not open with this master secret: the folder was written under another one.");
        return XElement.Parse(opened);
    }
}
