using System.Runtime.Versioning;
using System.Text;
using CraftedSignal.Domain.Security;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Security;

[UnsupportedOSPlatform("windows")]
public sealed class MasterSecretLoaderTests : IDisposable
{
    private const string GoodSecret = "q3Vt8Zb1mX0yPp5sLr2WcN6dHf9KjA4e";
    private readonly string _folder = Directory.CreateTempSubdirectory("craftedsignal-secret-").FullName;
    private readonly CapturedLogs _logs = new();
    private readonly ILogger _logger;

    public MasterSecretLoaderTests() => _logger = _logs.CreateLogger("test");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string DevelopmentFile => Path.Combine(_folder, "data", MasterSecretLoader.DevelopmentFileName);

    [Fact]
    public void Development_WithoutSecret_GeneratesOneOnce_Mode600_WithAWarning()
    {
        var options = new MasterSecretOptions { DevelopmentSecretFile = DevelopmentFile };

        var first = MasterSecretLoader.Load(options, generateIfMissing: true, _logger);

        var text = File.ReadAllText(DevelopmentFile);
        Assert.Equal(32, Convert.FromBase64String(text.Trim()).Length);
        Assert.Equal(Encoding.UTF8.GetBytes(text.Trim()), first);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DevelopmentFile));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Generated a Development master secret", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DevelopmentFile)!));

        var second = MasterSecretLoader.Load(options, generateIfMissing: true, _logger);

        Assert.Equal(first, second);
        Assert.Equal(text, File.ReadAllText(DevelopmentFile));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Using the Development master secret", StringComparison.Ordinal));
        Assert.DoesNotContain(text.Trim(), _logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Development_ManyStartsAtOnce_KeepOneSecret()
    {
        var options = new MasterSecretOptions { DevelopmentSecretFile = DevelopmentFile };

        var secrets = Enumerable.Range(0, 8).AsParallel().Select(_ => Convert.ToBase64String(MasterSecretLoader.Load(options, true, _logger))).ToList();

        Assert.Single(secrets.Distinct());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DevelopmentFile)!));
    }

    [Fact]
    public void Development_NotAllowedToGenerate_RefusesAndCreatesNothing()
    {
        var error = Assert.Throws<MasterSecretException>(() =>
            MasterSecretLoader.Load(new MasterSecretOptions { DevelopmentSecretFile = DevelopmentFile }, generateIfMissing: false, _logger));

        Assert.Contains("Security:MasterSecret", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(DevelopmentFile));
    }

    [Fact]
    public void OutsideDevelopment_WithoutSecret_RefusesNamingTheSettings()
    {
        var error = Assert.Throws<MasterSecretException>(() => MasterSecretLoader.Load(new MasterSecretOptions(), generateIfMissing: true, _logger));

        Assert.Contains("Security:MasterSecret", error.Message, StringComparison.Ordinal);
        Assert.Contains("Security__MasterSecret", error.Message, StringComparison.Ordinal);
        Assert.Contains("Security:MasterSecretFile", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void ConfiguredSecret_WinsOverTheDevelopmentFile_AndIsItsTrimmedUtf8Bytes()
    {
        var options = new MasterSecretOptions { MasterSecret = $"  {GoodSecret}\n", DevelopmentSecretFile = DevelopmentFile };

        Assert.Equal(Encoding.UTF8.GetBytes(GoodSecret), MasterSecretLoader.Load(options, generateIfMissing: true, _logger));
        Assert.False(File.Exists(DevelopmentFile));
        Assert.Empty(_logs.Entries);
    }

    [Theory]
    [InlineData("short but real-looking: 7fQ2x")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("changemechangemechangemechangeme")]
    public void WeakSecret_IsRefused_WithoutQuotingIt(string secret)
    {
        var error = Assert.Throws<MasterSecretException>(() =>
            MasterSecretLoader.Load(new MasterSecretOptions { MasterSecret = secret }, generateIfMissing: true, _logger));

        Assert.Contains("Security:MasterSecret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BlankSecret_IsTreatedAsMissing()
    {
        var error = Assert.Throws<MasterSecretException>(() => MasterSecretLoader.Load(new MasterSecretOptions { MasterSecret = "   " }, true, _logger));

        Assert.Contains("No master secret is configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothSettings_AreRefused()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, GoodSecret);

        var error = Assert.Throws<MasterSecretException>(() =>
            MasterSecretLoader.Load(new MasterSecretOptions { MasterSecret = GoodSecret, MasterSecretFile = file }, true, _logger));

        Assert.Contains("Set only one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretFile_IsReadAndTrimmed_AndAWorldReadableOneIsWarnedAbout()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, GoodSecret + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var secret = MasterSecretLoader.Load(new MasterSecretOptions { MasterSecretFile = file }, true, _logger);

        Assert.Equal(Encoding.UTF8.GetBytes(GoodSecret), secret);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("chmod 600", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingSecretFile_IsRefusedNamingTheSettingAndThePath()
    {
        var file = Path.Combine(_folder, "no-such-secret");

        var error = Assert.Throws<MasterSecretException>(() => MasterSecretLoader.Load(new MasterSecretOptions { MasterSecretFile = file }, true, _logger));

        Assert.Contains("Security:MasterSecretFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortSecretFile_IsRefusedWithoutQuotingIt()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, "too-short-1234");

        var error = Assert.Throws<MasterSecretException>(() => MasterSecretLoader.Load(new MasterSecretOptions { MasterSecretFile = file }, true, _logger));

        Assert.Contains("too short", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("too-short-1234", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongSecretFile_IsRefused()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, string.Concat(Enumerable.Repeat(GoodSecret, 200)));

        var error = Assert.Throws<MasterSecretException>(() => MasterSecretLoader.Load(new MasterSecretOptions { MasterSecretFile = file }, true, _logger));

        Assert.Contains("longer than 4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretFileWithAByteOrderMark_ReadsAsTheSecretWithoutIt()
    {
        var file = Path.Combine(_folder, "secret");
        File.WriteAllText(file, GoodSecret + "\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal(Encoding.UTF8.GetBytes(GoodSecret), MasterSecretLoader.Load(new MasterSecretOptions { MasterSecretFile = file }, true, _logger));
    }
}
