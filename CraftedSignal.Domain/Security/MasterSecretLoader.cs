using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// Reads the master secret from <see cref="MasterSecretOptions"/>, or in Development from the data folder's generated
/// file (generating it once). Every refusal is a <see cref="MasterSecretException"/> that names the setting and never
/// quotes the secret.
/// </summary>
internal static class MasterSecretLoader
{
    /// <summary>The generated Development secret's file name in the data folder.</summary>
    public const string DevelopmentFileName = "master-secret";

    /// <summary>The shortest secret accepted, in UTF-8 bytes: 32 random bytes in base64 are 44.</summary>
    public const int MinimumBytes = 32;

    /// <summary>A secret with fewer distinct characters than this is a placeholder ("xxxx…", "0000…"), not a secret.</summary>
    public const int MinimumDistinctCharacters = 8;

    private const string Settings = "Set Security:MasterSecret (environment variable Security__MasterSecret) or Security:MasterSecretFile";
    private const string HowToGenerate = "Generate one with `openssl rand -base64 32`.";

    /// <summary>
    /// The secret's bytes (the caller zeroes them). With <paramref name="generateIfMissing"/> false the Development file
    /// is read when it exists but never created: the rotation verb must not invent the secret it rotates from.
    /// </summary>
    public static byte[] Load(MasterSecretOptions options, bool generateIfMissing, ILogger logger)
    {
        var inline = options.MasterSecret;
        var file = options.MasterSecretFile;
        if (!string.IsNullOrWhiteSpace(inline) && !string.IsNullOrWhiteSpace(file))
            throw new MasterSecretException("Both Security:MasterSecret and Security:MasterSecretFile are set. Set only one of them, so that it is clear which secret protects the credentials.");
        if (!string.IsNullOrWhiteSpace(inline))
            return Validate(inline, "Security:MasterSecret");
        if (!string.IsNullOrWhiteSpace(file))
            return ReadFile(file, "Security:MasterSecretFile", logger);

        if (options.DevelopmentSecretFile is not { } development)
            throw new MasterSecretException($"No master secret is configured: the credentials of SIEM targets cannot be protected without one. {Settings}; the secret must be at least {MinimumBytes} bytes. {HowToGenerate}");

        if (File.Exists(development))
        {
            logger.LogWarning("Using the Development master secret generated in {Path}. Outside Development the app refuses to start without Security:MasterSecret or Security:MasterSecretFile.", development);
            return ReadFile(development, "the Development master secret file", logger);
        }

        if (!generateIfMissing)
            throw new MasterSecretException($"No master secret is configured, and there is no Development secret at {development}. {Settings}.");

        Generate(development);
        logger.LogWarning("Generated a Development master secret in {Path} (mode 600). It protects this data folder's credentials; outside Development the app refuses to start without Security:MasterSecret or Security:MasterSecretFile.", development);
        return ReadFile(development, "the Development master secret file", logger);
    }

    /// <summary>Loads the secret (as <see cref="Load"/>), derives what the caller needs from it, and zeroes it.</summary>
    public static T Derive<T>(MasterSecretOptions options, bool generateIfMissing, ILogger logger, Func<byte[], T> derive)
    {
        var secret = Load(options, generateIfMissing, logger);
        try
        {
            return derive(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The longest secret file read, in bytes: a secret, not a device or a log that happens to be named.</summary>
    public const int MaximumFileBytes = 4096;

    /// <summary>Reads and checks a secret file; surrounding white space (a trailing newline) is not part of the secret.</summary>
    public static byte[] ReadFile(string path, string what, ILogger? logger = null)
    {
        var buffer = new byte[MaximumFileBytes + 1];
        var length = 0;
        try
        {
            using var file = File.OpenRead(path);
            int read;
            while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
                length += read;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CryptographicOperations.ZeroMemory(buffer);
            throw new MasterSecretException($"The master secret file named by {what} cannot be read ({path}): {ex.GetType().Name}.");
        }

        string text;
        try
        {
            if (length > MaximumFileBytes)
                throw new MasterSecretException($"The master secret file named by {what} ({path}) is longer than {MaximumFileBytes} bytes: it is not a secret file.");
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(buffer, 0, length).TrimStart('\uFEFF');
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        if (logger is not null && !OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            logger.LogWarning("The master secret file {Path} is readable by other users; restrict it with `chmod 600`.", path);
        return Validate(text, $"{what} ({path})");
    }

    /// <summary>The UTF-8 bytes of <paramref name="secret"/> without surrounding white space, if it is long and varied enough.</summary>
    public static byte[] Validate(string secret, string what)
    {
        var trimmed = secret.Trim();
        var bytes = Encoding.UTF8.GetBytes(trimmed);
        if (bytes.Length < MinimumBytes)
        {
            CryptographicOperations.ZeroMemory(bytes);
            throw new MasterSecretException($"The master secret in {what} is too short: {trimmed.Length} characters, and at least {MinimumBytes} bytes are needed. {HowToGenerate}");
        }

        if (trimmed.Distinct().Count() < MinimumDistinctCharacters)
        {
            CryptographicOperations.ZeroMemory(bytes);
            throw new MasterSecretException($"The master secret in {what} has fewer than {MinimumDistinctCharacters} different characters: it is a placeholder, not a secret. {HowToGenerate}");
        }

        return bytes;
    }

    /// <summary>
    /// Writes 32 random bytes, base64, to <paramref name="path"/> with mode 600: to a temporary file first, then moved into
    /// place without overwriting, so two processes starting at once keep one secret.
    /// </summary>
    private static void Generate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var secret = RandomNumberGenerator.GetBytes(32);
        try
        {
            using (var writer = new StreamWriter(temporary, Encoding.ASCII, options))
                writer.WriteLine(Convert.ToBase64String(secret));
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process generated it first: theirs is the secret.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            File.Delete(temporary);
        }
    }
}
