using System.Text.RegularExpressions;
using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>The ATT&amp;CK coverage matrix: rules imported, two made Active, the heat map in both themes and on a phone, a click into the library.</summary>
public sealed class CoverageTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task ImportTaggedRules_SeeTheMatrix_AndClickATechniqueThroughToItsRules()
    {
        var page = await (await NewTeamAsync()).PageAsync(CompanyRole.Owner, height: 900);

        await page.GotoAsync("/coverage");
        await Assertions.Expect(page.GetByText("No rule carries an ATT&CK technique yet")).ToBeVisibleAsync();

        var zip = Path.Combine(Path.GetTempPath(), $"coverage-{Guid.NewGuid():N}.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            Write(archive, "encoded_powershell.yml", Sigma("Encoded PowerShell", "powershell.exe", "attack.execution", "attack.t1059.001"));
            Write(archive, "download_cradle.yml", Sigma("PowerShell Download Cradle", "pwsh.exe", "attack.execution", "attack.defense-evasion", "attack.t1059.001", "attack.t1027"));
            Write(archive, "whoami.yml", Sigma("Whoami Execution", "whoami.exe", "attack.discovery", "attack.t1033"));
            Write(archive, "lsass.yml", Sigma("LSASS Access By Procdump", "procdump.exe", "attack.credential-access", "attack.t1003.001"));
            Write(archive, "certutil.yml", Sigma("Certutil Download", "certutil.exe", "attack.t1105"));
            Write(archive, "masquerading.yml", Sigma("Svchost Outside System32", "svchost.exe", "attack.stealth", "attack.t1036.005"));
        }

        await page.GotoAsync("/rules");
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(zip);
        await Assertions.Expect(dialog.GetByText("6 imported")).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        File.Delete(zip);

        foreach (var title in new[] { "Encoded PowerShell", "PowerShell Download Cradle" })
        {
            await page.GotoAsync("/rules");
            await page.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = title })).ToBeVisibleAsync();
            await Browser.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Lifecycle" }).ClickAsync();
            await page.GetByRole(AriaRole.Menuitem, new() { Name = "Move to Active" }).ClickAsync();
            await Assertions.Expect(page.GetByText("The rule is now Active.")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("Active", new() { Exact = true })).ToBeVisibleAsync(); // the header's lifecycle chip
        }

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "ATT&CK coverage" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "ATT&CK coverage" })).ToBeVisibleAsync();
        var matrix = page.GetByRole(AriaRole.Region, new() { Name = "ATT&CK matrix" });
        var execution = matrix.GetByRole(AriaRole.Region, new() { Name = "Execution", Exact = true });
        await Assertions.Expect(execution.GetByRole(AriaRole.Link, new() { Name = "T1059.001: PowerShell: 2 live of 2 rules" })).ToBeVisibleAsync();
        await Assertions.Expect(matrix.GetByRole(AriaRole.Region, new() { Name = "Unmapped tactic" }).GetByRole(AriaRole.Link)).ToHaveAccessibleNameAsync("T1105: Ingress Tool Transfer: 0 live of 1 rule");
        await Assertions.Expect(page.GetByText("2 of 6", new() { Exact = true })).ToBeVisibleAsync(); // T1059.001 (counted once) and T1027 are live
        await Assertions.Expect(page.GetByText("2 of 15", new() { Exact = true })).ToBeVisibleAsync(); // the 14 tactics of ATT&CK 18.1 and Stealth
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Export Navigator layer" })).ToHaveAttributeAsync("href", "/api/v1/coverage/navigator");
        await Browser.WaitForInteractiveAsync(page);
        await Browser.ShotAsync(page, "40-coverage");

        // A tactic newer than the shipped ATT&CK data keeps its own column, after the matrix's, and its technique its name.
        var stealth = matrix.GetByRole(AriaRole.Region, new() { Name = "Stealth", Exact = true });
        await Assertions.Expect(stealth.GetByText("newer than ATT&CK 18.1")).ToBeVisibleAsync();
        await Assertions.Expect(stealth.GetByRole(AriaRole.Link)).ToHaveAccessibleNameAsync("T1036.005: Match Legitimate Resource Name or Location: 0 live of 1 rule");
        await stealth.ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(page, "40a-coverage-newer-tactic");

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(11, 17, 32)");
        await page.Mouse.MoveAsync(600, 700); // no tooltip on the theme button in the screenshot
        await Browser.ShotAsync(page, "41-coverage-dark");
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Hide tactics without techniques").CheckAsync();
        await Assertions.Expect(matrix.GetByRole(AriaRole.Region, new() { Name = "Reconnaissance" })).ToHaveCountAsync(0);
        await Assertions.Expect(execution).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "42-coverage-phone-dark");
        await page.SetViewportSizeAsync(1366, 900);
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync(page);

        await execution.GetByRole(AriaRole.Link, new() { Name = "T1059.001: PowerShell: 2 live of 2 rules" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/rules\?technique=T1059\.001$"));
        await Assertions.Expect(page.GetByLabel("ATT&CK tactic or technique")).ToHaveValueAsync("T1059.001");
        var rules = page.GetByRole(AriaRole.Table);
        await Assertions.Expect(rules.GetByRole(AriaRole.Link, new() { Name = "Encoded PowerShell" })).ToBeVisibleAsync();
        await Assertions.Expect(rules.GetByRole(AriaRole.Link, new() { Name = "PowerShell Download Cradle" })).ToBeVisibleAsync();
        await Assertions.Expect(rules.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" })).ToHaveCountAsync(0);
        await Browser.ShotAsync(page, "43-rules-by-technique-dark");
        AssertNoContentSecurityPolicyViolations();
    }

    private static string Sigma(string title, string image, params string[] tags) => $"""
        title: {title}
        id: {Guid.NewGuid()}
        status: test
        description: Detects {image}.
        tags:
        {string.Join('\n', tags.Select(t => "    - " + t))}
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\{image}'
            condition: selection
        level: high
        """;

    private static void Write(System.IO.Compression.ZipArchive archive, string path, string content)
    {
        using var writer = new StreamWriter(archive.CreateEntry(path).Open());
        writer.Write(content);
    }
}
