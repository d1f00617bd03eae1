using System.IO.Compression;
using System.Text;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Sigma;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

public sealed class RuleTransferServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _author);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Import_TheWholeSigmaHqCorpus_ImportsEveryRuleWithProvenance()
    {
        var root = Path.Combine(SigmaData.Root, "rules");
        var files = Directory.EnumerateFiles(root, "*.yml", SearchOption.AllDirectories)
            .Select(f => new ImportFile(Path.GetRelativePath(root, f), System.IO.File.ReadAllBytes(f)))
            .ToList();

        var summary = (await Transfer().ImportAsync(files, "SigmaHQ")).Value!;

        Assert.Equal(3141, files.Count);
        Assert.Empty(summary.Files.Where(f => f.Outcome == ImportOutcome.Rejected).Select(f => $"{f.Path}: {f.Reason}"));
        Assert.Equal(files.Count, summary.Count(ImportOutcome.Imported) + summary.Count(ImportOutcome.Updated));
        await using var db = _db.NewContext();
        Assert.Equal(3141, await db.DetectionRules.IgnoreQueryFilters().CountAsync());
        var version = await db.RuleVersions.IgnoreQueryFilters().FirstAsync(v => v.SourceUrl == files[0].Path);
        Assert.Equal("SigmaHQ", version.SourceName);
        Assert.Matches("^[0-9a-f]{64}$", version.SourceSha256!);

        // The same files again change nothing.
        var again = (await Transfer().ImportAsync(files, "SigmaHQ")).Value!;
        Assert.Equal(files.Count, again.Count(ImportOutcome.Unchanged));
    }

    [Fact]
    public async Task Import_ARuleWhoseIdExists_AddsAVersion()
    {
        await Transfer().ImportAsync([File("a.yml", RuleServiceTests.Whoami)], "first");

        var summary = (await Transfer().ImportAsync([File("a.yml", RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal))], "second")).Value!;

        var updated = Assert.Single(summary.Files);
        Assert.Equal(ImportOutcome.Updated, updated.Outcome);
        Assert.Equal(2, updated.Version);
    }

    [Fact]
    public async Task Import_InvalidRulesAndNonText_AreRejectedWithReasons()
    {
        var summary = (await Transfer().ImportAsync(
        [
            File("bad.yml", "title: x\ndetection:\n  sel:\n    a|nope: b\n  condition: sel\n"),
            new ImportFile("binary.yml", [0xff, 0xfe, 0x00, 0x81]),
            new ImportFile("empty.yml", []),
        ], "upload")).Value!;

        Assert.All(summary.Files, f => Assert.Equal(ImportOutcome.Rejected, f.Outcome));
        Assert.Contains(summary.Files[0].Diagnostics, d => d.Code == "SIG2001");
        Assert.Contains("UTF-8", summary.Files[1].Reason, StringComparison.Ordinal);
        await using var db = _db.NewContext();
        Assert.False(await db.DetectionRules.IgnoreQueryFilters().AnyAsync());
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RulesImported));
    }

    [Theory]
    [InlineData("../evil.yml")]
    [InlineData("rules/../../evil.yml")]
    [InlineData("/etc/evil.yml")]
    [InlineData("C:/evil.yml")]
    [InlineData("..\\evil.yml")]
    public async Task ImportZip_WithAPathOutsideItsRoot_IsRefusedWhole(string evilPath)
    {
        using var zip = Zip(("rules/ok.yml", RuleServiceTests.Whoami), (evilPath, RuleServiceTests.Whoami));

        var result = await Transfer().ImportZipAsync(zip, "evil.zip");

        Assert.IsType<ZipSlip>(result.Error);
        await using var db = _db.NewContext();
        Assert.False(await db.DetectionRules.IgnoreQueryFilters().AnyAsync());
    }

    [Fact]
    public async Task ImportZip_ThatIsNotAZip_SaysSo()
    {
        var result = await Transfer().ImportZipAsync(new MemoryStream(Encoding.UTF8.GetBytes("not a zip at all")), "x.zip");

        Assert.IsType<NotAZip>(result.Error);
    }

    [Fact]
    public async Task ImportZip_ThatWouldUnpackPastTheBound_IsRefusedBeforeAnythingIsUnpacked()
    {
        // Eleven 19 MiB test side files of zeros: small as a zip, 209 MiB unpacked, each under the per-file limit.
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            var chunk = new byte[1024 * 1024];
            for (var i = 0; i < 11; i++)
            {
                await using var stream = await archive.CreateEntry($"rules/r{i}{RuleTransferService.TestsSuffix}", System.IO.Compression.CompressionLevel.SmallestSize).OpenAsync();
                for (var mib = 0; mib < 19; mib++)
                    await stream.WriteAsync(chunk);
            }
        }

        zip.Position = 0;
        Assert.True(zip.Length < 1024 * 1024, $"the zip is {zip.Length} bytes");

        var result = await Transfer().ImportZipAsync(zip, "bomb.zip");

        Assert.Contains("unpacks to more than 200 MiB", Assert.IsType<ImportTooLarge>(result.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportZip_WithTooManyEntries_IsRefused()
    {
        var entries = Enumerable.Range(0, RuleTransferService.MaxFiles + 1).Select(i => ($"r{i}.txt", "x")).ToArray();
        using var zip = Zip(entries);

        var result = await Transfer().ImportZipAsync(zip, "many.zip");

        Assert.IsType<ImportTooLarge>(result.Error);
    }

    [Fact]
    public async Task Export_ThenImportIntoAnotherCompany_RoundTripsEveryRule()
    {
        await using (var scope = _db.As(_author, _company, "uma@acme.test"))
        {
            var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
            var whoami = (await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
            var tests = scope.ServiceProvider.GetRequiredService<Domain.Testing.RuleTestService>();
            Assert.True((await tests.SaveCaseAsync(whoami, null, "whoami runs", Domain.Testing.TestExpectation.Alert, 1, "{\"Image\": \"C:\\\\w\\\\whoami.exe\"}\n")).Succeeded);
            Assert.True((await tests.SaveCaseAsync(whoami, null, "notepad", Domain.Testing.TestExpectation.NoAlert, null, "[{\"Image\": \"notepad.exe\"}]")).Succeeded);
            await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleLibraryServiceTests.Sigma("Encoded PowerShell", "critical", "process_creation", "attack.execution", "attack.t1059.001", "powershell.exe")));
        }

        using var exported = new MemoryStream();
        Assert.Equal(2, (await Transfer().ExportAsync(exported)).Value);
        exported.Position = 0;

        var other = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", other);
        await using var theirs = _db.As(other, globex, "eve@globex.test");
        var summary = (await theirs.ServiceProvider.GetRequiredService<RuleTransferService>().ImportZipAsync(exported, "acme-export.zip")).Value!;

        Assert.Equal(2, summary.Count(ImportOutcome.Imported));
        await using var db = _db.NewContext();
        var acme = await db.RuleVersions.IgnoreQueryFilters().Where(v => v.CompanyId == _company).Select(v => v.ContentSha256).OrderBy(h => h).ToListAsync();
        var copied = await db.RuleVersions.IgnoreQueryFilters().Where(v => v.CompanyId == globex).Select(v => v.ContentSha256).OrderBy(h => h).ToListAsync();
        Assert.Equal(acme, copied);

        // The tests travel in NAME.tests.json beside NAME.yml and come back without loss.
        var original = await db.RuleTestCases.IgnoreQueryFilters().Where(c => c.CompanyId == _company).OrderBy(c => c.Name)
            .Select(c => new { c.Name, c.Expectation, c.ExpectedCount, c.Events }).ToListAsync();
        var imported = await db.RuleTestCases.IgnoreQueryFilters().Where(c => c.CompanyId == globex).OrderBy(c => c.Name)
            .Select(c => new { c.Name, c.Expectation, c.ExpectedCount, c.Events }).ToListAsync();
        Assert.Equal(2, imported.Count);
        Assert.Equal(original, imported);
    }

    [Fact]
    public async Task Export_ThenImport_KeepsNativeRulesWithTheirDetailsAndEveryNoiseBudget()
    {
        Guid native;
        await using (var scope = _db.As(_author, _company, "uma@acme.test"))
        {
            var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
            native = (await rules.CreateAsync(new RuleDraft(RuleFormat.Native, "SecurityEvent | where EventID == 4688 and Process endswith \"whoami.exe\"", NativeLanguage.Kql, "Whoami in KQL"))).Value!.RuleId;
            Assert.True((await rules.UpdateDetailsAsync(native, new RuleDetailsChange(_author, 2, 10,
                new NativeMetadata("Whoami in KQL", "Whoami seen by Sentinel", "high", ["attack.discovery", "attack.t1033"], ["https://attack.mitre.org/techniques/T1033/"], ["Inventory scripts"])))).Succeeded);
            var sigma = (await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
            Assert.True((await rules.UpdateDetailsAsync(sigma, new RuleDetailsChange(_author, 1, 5))).Succeeded);
        }

        using var exported = new MemoryStream();
        await Transfer().ExportAsync(exported);
        exported.Position = 0;
        using (var archive = new System.IO.Compression.ZipArchive(exported, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true))
        {
            Assert.Equal(["rules/whoami_execution.meta.json", "rules/whoami_execution.yml", "rules/whoami_in_kql.kql", "rules/whoami_in_kql.meta.json"],
                archive.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        }

        exported.Position = 0;
        var other = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", other);
        await using var theirs = _db.As(other, globex, "eve@globex.test");
        var summary = (await theirs.ServiceProvider.GetRequiredService<RuleTransferService>().ImportZipAsync(exported, "acme-export.zip")).Value!;

        Assert.Equal(2, summary.Count(ImportOutcome.Imported));
        await using var db = _db.NewContext();
        var copy = await db.DetectionRules.IgnoreQueryFilters().Include(r => r.Tags).SingleAsync(r => r.CompanyId == globex && r.Format == RuleFormat.Native);
        Assert.NotEqual(native, copy.Id);
        Assert.Equal((NativeLanguage.Kql, "Whoami in KQL", "Whoami seen by Sentinel", "high", 2, 10),
            (copy.Language!.Value, copy.Title, copy.Description, copy.Level, copy.NoiseExpectedPerDay!.Value, copy.NoiseMaxPerDay!.Value));
        Assert.Equal(["attack.discovery", "attack.t1033"], copy.Tags.Select(t => t.Tag).Order());
        Assert.Equal(("https://attack.mitre.org/techniques/T1033/", "Inventory scripts"), (copy.References, copy.FalsePositives));
        var sigmaCopy = await db.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.CompanyId == globex && r.Format == RuleFormat.Sigma);
        Assert.Equal((1, 5), (sigmaCopy.NoiseExpectedPerDay!.Value, sigmaCopy.NoiseMaxPerDay!.Value));
    }

    [Fact]
    public async Task Import_ANativeQueryAgain_MatchesItByTheIdInItsSideFile()
    {
        var meta = """{"id": "{ID}", "title": "Whoami SPL", "level": "low"}""";
        var first = (await Transfer().ImportAsync([new ImportFile("whoami.spl", "index=win whoami"u8.ToArray())], "upload")).Value!;
        var id = Assert.Single(first.Files).RuleId!.Value;
        Assert.Equal("whoami", (await RuleAsync(id)).Title);

        var again = (await Transfer().ImportAsync([new ImportFile("whoami.spl", "index=win whoami"u8.ToArray(), Meta: System.Text.Encoding.UTF8.GetBytes(meta.Replace("{ID}", id.ToString(), StringComparison.Ordinal)))], "upload")).Value!;
        var changed = (await Transfer().ImportAsync([new ImportFile("whoami.spl", "index=win whoami.exe"u8.ToArray(), Meta: System.Text.Encoding.UTF8.GetBytes(meta.Replace("{ID}", id.ToString(), StringComparison.Ordinal)))], "upload")).Value!;
        var broken = (await Transfer().ImportAsync([new ImportFile("x.eql", "process where (name == \"a\""u8.ToArray()), new ImportFile("y.kql", "x"u8.ToArray(), Meta: "{nope"u8.ToArray())], "upload")).Value!;

        Assert.Equal((ImportOutcome.Updated, "The content is unchanged; its details were updated."), (Assert.Single(again.Files).Outcome, again.Files[0].Reason));
        Assert.Equal((ImportOutcome.Updated, 2), (Assert.Single(changed.Files).Outcome, changed.Files[0].Version!.Value));
        var rule = await RuleAsync(id);
        Assert.Equal(("Whoami SPL", "low", 2), (rule.Title, rule.Level, rule.LatestVersion));
        Assert.All(broken.Files, f => Assert.Equal(ImportOutcome.Rejected, f.Outcome));
        Assert.Contains("not valid JSON at line 1", broken.Files[1].Reason, StringComparison.Ordinal);
    }

    private async Task<DetectionRule> RuleAsync(Guid id)
    {
        await using var db = _db.NewContext();
        return await db.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.Id == id);
    }

    [Fact]
    public async Task Import_ByViewer_IsNotPermitted()
    {
        var viewer = await _db.AddUserAsync("vera@acme.test");
        await _db.AddMemberAsync(_company, viewer, CompanyRole.Viewer);
        await using var scope = _db.As(viewer, _company);

        var result = await scope.ServiceProvider.GetRequiredService<RuleTransferService>().ImportAsync([File("a.yml", RuleServiceTests.Whoami)], "x");

        Assert.IsType<NotPermitted>(result.Error);
    }

    private RuleTransferService Transfer() => _db.As(_author, _company, "uma@acme.test").ServiceProvider.GetRequiredService<RuleTransferService>();

    private static ImportFile File(string path, string content) => new(path, Encoding.UTF8.GetBytes(content));

    private static MemoryStream Zip(params (string Path, string Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in entries)
            {
                using var writer = new StreamWriter(archive.CreateEntry(path).Open());
                writer.Write(content);
            }
        }

        stream.Position = 0;
        return stream;
    }
}
