using System.Text.RegularExpressions;
using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>Writing a Sigma rule in the browser: Monaco, live validation markers, saving versions, the library.</summary>
public sealed class RuleAuthoringTests(BrowserApp shared) : SharedAppTest(shared)
{
    private const string WithTypo = """
        title: Whoami Execution
        status: experimental
        description: Detects whoami.exe, often run right after initial access.
        tags:
            - attack.discovery
            - attack.t1033
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswiht: '\whoami.exe'
            condition: selection
        level: high
        """;

    [Fact]
    public async Task AuthorARule_SeeTheUnknownModifierMarked_FixItAndSaveVersions()
    {
        var team = await NewTeamAsync();
        var page = await team.PageAsync(CompanyRole.Owner, height: 900);

        await page.GetByRole(AriaRole.Link, new() { Name = "Detection rules" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No rules yet")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Browser.ShotAsync(page, "30-rules-empty");

        await page.GetByRole(AriaRole.Link, new() { Name = "Write your first rule" }).ClickAsync();
        var editor = page.Locator("#rule-editor").GetByRole(AriaRole.Code);
        await Assertions.Expect(editor).ToBeVisibleAsync();
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.PressAsync("Delete");
        await TypeLinesAsync(page, WithTypo);

        // The server marks the unknown modifier where it stands.
        await Assertions.Expect(page.Locator("#rule-editor .squiggly-error")).Not.ToHaveCountAsync(0);
        var problems = page.GetByRole(AriaRole.Listbox, new() { Name = "Problems" });
        await Assertions.Expect(problems).ToContainTextAsync("endswiht");
        await Assertions.Expect(problems).ToContainTextAsync("line 12");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "31-editor-unknown-modifier");

        // Fix the typo by typing over it.
        await problems.GetByRole(AriaRole.Option).Filter(new() { HasText = "endswiht" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rule-editor textarea")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.PressAsync("Home");
        await page.Keyboard.PressAsync("Shift+End");
        await page.Keyboard.TypeAsync("Image|endswith: '\\whoami.exe");
        await Assertions.Expect(problems).Not.ToContainTextAsync("endswiht");
        await Assertions.Expect(page.Locator("#rule-editor .squiggly-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Problems (2)" })).ToBeVisibleAsync();

        Assert.Equal(WithTypo.Replace("endswiht", "endswith", StringComparison.Ordinal), await EditorTextAsync(page));
        // The same rule, converted for every SIEM as it stands.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Queries" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Splunk SPL query")).ToContainTextAsync("Image=\"*\\\\whoami.exe\"");
        await Assertions.Expect(page.GetByLabel("Elastic ES|QL query")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "31a-editor-queries");
        await page.GetByLabel("What changed").FillAsync("first cut");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/rules/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.GetByText("version 1", new() { Exact = true })).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);

        // A second save is a second version, listed in the history.
        var saved = page.Locator("#rule-editor").GetByRole(AriaRole.Code);
        await Assertions.Expect(saved).ToBeVisibleAsync();
        await saved.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await TypeLinesAsync(page, "falsepositives:\n    - Admin scripts", onNewLine: true);
        await Assertions.Expect(page.GetByText("Unsaved changes")).ToBeVisibleAsync();
        Assert.EndsWith("level: high\nfalsepositives:\n    - Admin scripts", await EditorTextAsync(page), StringComparison.Ordinal);
        await page.Keyboard.PressAsync("Control+S");
        await Assertions.Expect(page.GetByText("version 2", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Unsaved changes")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Version 2 · {team[CompanyRole.Owner].Email}")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("first cut")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "32-editor-history");

        // A positive and a negative test, run in the background, both pass, and each match is explained.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tests" }).ClickAsync();
        await AddTestAsync(page, "whoami from cmd", mustAlert: true, """{"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}""");
        await AddTestAsync(page, "notepad stays quiet", mustAlert: false, """{"Image": "C:\\Windows\\notepad.exe"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run tests" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Test run status")).ToContainTextAsync("Passed · version 2 · 2 passed, 0 failed");
        await Assertions.Expect(page.GetByText("event 0 matched by selection")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "32a-editor-tests");

        // Any two versions compare side by side, with what changed in words.
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        var diff = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(diff.GetByLabel("Semantic changes")).ToContainTextAsync("false positive");
        await Assertions.Expect(diff.Locator("#rule-diff .monaco-diff-editor")).ToBeVisibleAsync();
        await Assertions.Expect(diff.Locator("#rule-diff .line-insert").First).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "32b-version-diff");
        await diff.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // The details: metadata from the YAML, an owner and a noise budget set in a form.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Details" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("About this rule")).ToContainTextAsync("attack.t1033");
        await page.GetByLabel("Expected alerts per day").FillAsync("3");
        await page.GetByLabel("Maximum alerts per day").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Details saved.")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "32c-editor-details");

        await page.GetByRole(AriaRole.Link, new() { Name = "Detection rules" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "33-rules-library");

        // The same pages in dark mode.
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(11, 17, 32)");
        await Browser.ShotAsync(page, "33a-rules-library-dark");
        await page.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rule-editor").GetByRole(AriaRole.Code)).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "33b-editor-dark");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Details" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Maximum alerts per day")).ToHaveValueAsync("20");
        await Browser.ShotAsync(page, "33c-editor-details-dark");

        // Vera, a Viewer, reads the same rule: no Save, no lifecycle, no test editing.
        var rule = page.Url;
        var vera = await team.PageAsync(CompanyRole.Viewer, height: 900);
        await vera.GotoAsync(rule);
        await Assertions.Expect(vera.GetByRole(AriaRole.Heading, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(vera);
        await Assertions.Expect(vera.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true })).ToHaveCountAsync(0);
        await Assertions.Expect(vera.GetByRole(AriaRole.Button, new() { Name = "Lifecycle" })).ToHaveCountAsync(0);
        await Browser.ShotAsync(vera, "33d-editor-viewer");

        // Olivia archives the draft; Vera's page says who did and that only an Owner or Admin can bring it back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Lifecycle" }).ClickAsync();
        await page.GetByText("Archive rule").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Archive" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/rules$"));
        await vera.ReloadAsync();
        await Assertions.Expect(vera.GetByText("an Owner or Admin can restore it.", new() { Exact = false })).ToBeVisibleAsync();
        await Assertions.Expect(vera.GetByRole(AriaRole.Button, new() { Name = "Restore from archive" })).ToHaveCountAsync(0);
        await Assertions.Expect(vera.Locator("#rule-editor").GetByRole(AriaRole.Code)).ToBeVisibleAsync();
        await Browser.ShotAsync(vera, "33e-editor-archived-viewer");
        AssertNoContentSecurityPolicyViolations();
    }

    [Fact]
    public async Task ImportAZip_SeeEachFilesOutcome_AndFindTheRulesInTheLibrary()
    {
        var page = await (await NewTeamAsync()).PageAsync(CompanyRole.Owner);
        var zip = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            Write(archive, "windows/whoami.yml", WithTypo.Replace("endswiht", "endswith", StringComparison.Ordinal).Replace("title: Whoami Execution", "title: Whoami Execution\nid: 0e3b1b2c-8a6f-4a55-9a4e-2f1d7b6c5a10", StringComparison.Ordinal));
            Write(archive, "windows/broken.yml", WithTypo);
            Write(archive, "README.md", "not a rule");
        }

        await page.GotoAsync("/rules");
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("input[type=file]").SetInputFilesAsync(zip);
        await Assertions.Expect(dialog.GetByText("1 imported")).ToBeVisibleAsync();
        await Assertions.Expect(dialog.GetByText("1 rejected")).ToBeVisibleAsync();
        await Assertions.Expect(dialog.GetByText("Unknown modifier 'endswiht'", new() { Exact = false })).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "34-import-summary");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        File.Delete(zip);
        AssertNoContentSecurityPolicyViolations();
    }

    private static void Write(System.IO.Compression.ZipArchive archive, string path, string content)
    {
        using var writer = new StreamWriter(archive.CreateEntry(path).Open());
        writer.Write(content);
    }

    private static Task<string> EditorTextAsync(IPage page) =>
        page.EvaluateAsync<string>("() => window.blazorMonaco.editor.getEditor('rule-editor').getValue()");

    /// <summary>Types line by line; each new line's automatic indentation is replaced by the line's own.</summary>
    private static async Task TypeLinesAsync(IPage page, string text, bool onNewLine = false)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0 || onNewLine)
            {
                // A typed line break (Enter would accept an open completion instead), then select its automatic indentation.
                await page.Keyboard.InsertTextAsync("\n");
                await page.Keyboard.PressAsync("Shift+Home");
            }

            // An empty line: a space replaces any selected indentation, and is taken back.
            await page.Keyboard.InsertTextAsync(lines[i].Length > 0 ? lines[i] : " ");
            if (lines[i].Length == 0)
                await page.Keyboard.PressAsync("Backspace");
        }
    }
}
