using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Attack;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Tests.Sigma;

namespace CraftedSignal.Tests.Attack;

public sealed class AttackCatalogTests
{
    [Fact]
    public void ShippedData_IsEnterpriseAttack18_1_WithTheMatrixInKillChainOrder()
    {
        var catalog = AttackCatalog.Enterprise;

        Assert.Equal(("18.1", "18"), (catalog.Version, catalog.MajorVersion));
        Assert.Equal(14, catalog.Matrix.Count);
        Assert.Equal(("reconnaissance", "TA0043"), (catalog.Matrix[0].ShortName, catalog.Matrix[0].Id));
        Assert.Equal(("Defense Evasion", "TA0005"), (catalog.Matrix[6].Name, catalog.Matrix[6].Id));
        Assert.Equal("impact", catalog.Matrix[^1].ShortName);
        Assert.Equal(835, catalog.Techniques.Count());
        Assert.Equal(691, catalog.Techniques.Count(t => t.State == AttackState.Active));
    }

    [Fact]
    public void Techniques_HaveNamesTacticsPlatformsAndState()
    {
        var catalog = AttackCatalog.Enterprise;

        var powershell = catalog.Find("t1059.001")!;
        Assert.Equal(("PowerShell", true), (powershell.Name, powershell.IsSubtechnique));
        Assert.Equal(["execution"], powershell.Tactics);
        Assert.Contains("Windows", powershell.Platforms);
        Assert.Equal(AttackState.Revoked, catalog.Find("T1002")!.State);
        Assert.Null(catalog.Find("T9999"));
        Assert.Equal("execution", catalog.FindTactic("execution")!.ShortName);
        Assert.Equal("TA0005", catalog.FindTactic("defense_evasion")!.Id);
        Assert.Null(catalog.FindTactic("stealth"));
    }

    [Fact]
    public void ShippedCopy_IsTheReferenceDataUnchanged_WithItsLicence()
    {
        var shared = Path.Combine(SigmaData.Root, "..", "attack");
        var reference = Path.Combine(shared, "enterprise-attack-v18.1.json");
        Assert.True(File.Exists(reference), $"The ATT&CK reference data is needed at {Path.GetFullPath(reference)} (../shared/attack beside the repository).");
        using var shipped = typeof(AttackCatalog).Assembly.GetManifestResourceStream("CraftedSignal.Attack.enterprise-attack.json")!;

        Assert.Equal(SHA256.HashData(File.ReadAllBytes(reference)), SHA256.HashData(shipped));
        var licence = Path.Combine(AppContext.BaseDirectory, "ATTACK-LICENSE.txt");
        Assert.True(File.Exists(licence), "MITRE's licence must ship with the data: ATTACK-LICENSE.txt beside the binaries.");
        Assert.Contains("© 2025 The MITRE Corporation", File.ReadAllText(licence), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"matrix_tactic_order": [], "tactics": [], "techniques": []}""", "lacks its version")]
    [InlineData("""{"source": "ATT&CK v18.1", "matrix_tactic_order": ["stealth"], "tactics": [], "techniques": []}""", "names 'stealth'")]
    [InlineData("""{"source": "ATT&CK v18.1", "matrix_tactic_order": [], "tactics": [], "techniques": [{"id": "T1", "name": "x", "state": "gone"}]}""", "unknown state 'gone'")]
    public void MalformedData_IsRefusedWithWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => AttackCatalog.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("attack.t1002", SigmaDiagnosticCodes.OutdatedAttackTechnique, "revoked")]
    [InlineData("attack.t9999", SigmaDiagnosticCodes.UnknownAttackTechnique, "names no technique in ATT&CK 18.1")]
    public void Validator_WarnsOnTechniquesTheDataDoesNotHoldAsCurrent(string tag, string code, string message)
    {
        var file = SigmaParser.Parse($"""
            title: Test
            id: 5d9e4c4e-7c31-4f5a-9d61-3a1f1e2b6c70
            status: test
            description: A test.
            author: Olivia
            date: 2026-11-23
            tags:
                - attack.execution
                - {tag}
                - attack.t1059.001
            logsource:
                category: process_creation
                product: windows
            detection:
                selection:
                    Image|endswith: '\x.exe'
                condition: selection
            level: low
            """, "test.yml");

        var diagnostic = Assert.Single(Domain.Sigma.Validation.SigmaValidator.Validate(file), d => d.Code.StartsWith("SIG601", StringComparison.Ordinal) && d.Code != SigmaDiagnosticCodes.FileNameConvention);
        Assert.Equal((code, 9), (diagnostic.Code, diagnostic.Position.Line));
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
    }
}
