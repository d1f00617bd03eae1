using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Sandbox;

public sealed class SandboxTests : IAsyncLifetime
{
    private const string Whoami = """{"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}""";
    private const string Notepad = """{"Image": "C:\\Windows\\System32\\notepad.exe"}""";

    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";
    private string _reviewer = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(services => services.Configure<SandboxOptions>(o => (o.MaxBytesPerTarget, o.MaxEventsPerTarget) = (4096, 10)));
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _reviewer = await _db.AddUserAsync("rita@acme.test");
        _viewer = await _db.AddUserAsync("victor@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _reviewer, CompanyRole.User);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task TwoUploadsRacing_NeverStoreAHalfOrACollidingFile()
    {
        var sandbox = await SandboxAsync();
        // Three files of three events: together within the test limit of 10 events.
        var file = string.Join('\n', Enumerable.Repeat(Notepad, 3));

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => UploadAsync(_owner, sandbox, file))));

        Assert.All(results, r => Assert.True(r.Succeeded || r.Error is Conflict, r.Error?.Message));
        Assert.Contains(results, r => r.Succeeded);
        await using var db = _db.NewContext();
        var indices = await db.SandboxEvents.IgnoreQueryFilters().Where(e => e.TargetId == sandbox).Select(e => e.Index).OrderBy(i => i).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 3 * results.Count(r => r.Succeeded)), indices);
    }

    [Fact]
    public async Task Upload_TakesJsonLinesArraysAndEvtxJson_AppendingOrReplacing()
    {
        var sandbox = await SandboxAsync();

        var lines = await UploadAsync(_owner, sandbox, $"{Whoami}\n{Notepad}\n");
        Assert.Equal(2, lines.Value!.Events);
        var array = await UploadAsync(_owner, sandbox, $"[{Notepad},\n {Notepad}]");
        Assert.Equal(4, array.Value!.Events);
        var replaced = await UploadAsync(_owner, sandbox, Evtx("C:\\Windows\\System32\\whoami.exe"), replace: true);

        Assert.Equal(1, replaced.Value!.Events);
        // A pretty-printed event is stored as one line, as the evaluator reads events.
        using var compact = JsonDocument.Parse(Evtx("C:\\Windows\\System32\\whoami.exe"));
        Assert.Equal(Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(compact.RootElement)), replaced.Value.Bytes);
        await using var db = _db.NewContext();
        Assert.Equal(3, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.SandboxEventsUploaded));
    }

    [Fact]
    public async Task Upload_TooBigTooManyOrMalformed_IsRefusedNamingWhy_AndKeepsWhatWasStored()
    {
        var sandbox = await SandboxAsync();
        await UploadAsync(_owner, sandbox, $"{Whoami}\n{Notepad}");

        var tooBig = await UploadAsync(_owner, sandbox, string.Join('\n', Enumerable.Repeat(Notepad, 100)));
        var tooMany = await UploadAsync(_owner, sandbox, string.Join('\n', Enumerable.Repeat("{}", 9)));
        var malformed = await UploadAsync(_owner, sandbox, $"{Notepad}\n{Notepad}\n{{\"Image\": \"x\",\n", replace: true);
        var notAnObject = await UploadAsync(_owner, sandbox, $"{Notepad}\n42\n", replace: true);

        Assert.Contains("larger than", Invalid(tooBig).Message, StringComparison.Ordinal);
        Assert.Contains("more than 8 events", Invalid(tooMany).Message, StringComparison.Ordinal);
        Assert.Contains("replace them instead", Invalid(tooMany).Message, StringComparison.Ordinal);
        Assert.StartsWith("Line 4:", Invalid(malformed).Message, StringComparison.Ordinal);
        Assert.StartsWith("Line 2: expected a JSON object", Invalid(notAnObject).Message, StringComparison.Ordinal);
        Assert.Equal(2, (await Service<SandboxService>(_viewer).GetSummaryAsync(sandbox)).Value!.Events);
    }

    [Fact]
    public async Task OnlyOwnersAndAdmins_Upload_AndAnotherCompanySeesNothing()
    {
        var sandbox = await SandboxAsync();
        await UploadAsync(_owner, sandbox, Whoami);
        var (rule, _) = await DeployWhoamiAsync(sandbox);

        Assert.IsType<NotPermitted>((await UploadAsync(_viewer, sandbox, Whoami)).Error);
        Assert.IsType<NotPermitted>((await UploadAsync(_reviewer, sandbox, Whoami)).Error);
        Assert.IsType<NotPermitted>((await Service<SandboxDemo>(_reviewer).CreateAsync()).Error);
        Assert.Equal(1, (await Service<SandboxService>(_viewer).ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);

        var stranger = await _db.AddUserAsync("mallory@evil.test");
        var theirs = await _db.AddCompanyAsync("Evil", stranger);
        await using var scope = _db.As(stranger, theirs);
        var service = scope.ServiceProvider.GetRequiredService<SandboxService>();
        Assert.IsType<NotFound>((await service.UploadAsync(sandbox, new MemoryStream(Encoding.UTF8.GetBytes(Whoami)), replace: true)).Error);
        Assert.IsType<NotFound>((await service.GetSummaryAsync(sandbox)).Error);
        Assert.Equal(0, (await service.ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);
        Assert.Equal(0, (await service.ListAlertsAsync(new AlertQuery(RuleId: rule))).Value!.Total);
        Assert.Equal(0, (await service.ListAlertsAsync(new AlertQuery())).Value!.Total);
    }

    [Fact]
    public async Task ADeploymentToTheSandbox_RaisesAlerts_NamingRuleVersionEventAndSelection()
    {
        var sandbox = await SandboxAsync();
        await UploadAsync(_owner, sandbox, $"{Notepad}\n{Whoami}\n{Notepad}\n{Evtx("C:\\Windows\\System32\\whoami.exe")}");

        var (rule, _) = await DeployWhoamiAsync(sandbox);

        var alerts = (await Service<SandboxService>(_viewer).ListAlertsAsync(new AlertQuery(RuleId: rule))).Value!;
        Assert.Equal([1, 3], alerts.Items.Select(a => a.EventIndex).Order());
        Assert.All(alerts.Items, a => Assert.Equal((1, "selection", "Whoami Execution", "Sandbox"), (a.RuleVersion, a.Selections, a.RuleTitle, a.TargetName)));
        Assert.Contains("whoami /all", alerts.Items.Single(a => a.EventIndex == 1).EventJson, StringComparison.Ordinal);
        Assert.Equal(2, (await Service<SandboxService>(_viewer).GetSummaryAsync(sandbox)).Value!.Alerts);
    }

    [Fact]
    public async Task ARetriedOrRepeatedRun_ReplacesTheAlerts_NeverDuplicatesThem()
    {
        var sandbox = await SandboxAsync();
        await UploadAsync(_owner, sandbox, $"{Whoami}\n{Notepad}");
        var (_, runs) = await DeployWhoamiAsync(sandbox);
        var run = Assert.Single(runs);

        // As if the job system ran the item again (a worker lost after the commit, a restart).
        await using (var db = _db.NewContext())
        {
            await db.WorkItems.IgnoreQueryFilters().Where(w => w.Id == run).ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WorkStatus.Queued));
        }

        await _db.RunWorkAsync(run);
        Assert.Equal(1, (await Service<SandboxService>(_owner).ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);

        await UploadAsync(_owner, sandbox, $"{Whoami}\n{Whoami}\n{Whoami}", replace: true);
        await _db.RunQueuedWorkAsync();
        Assert.Equal(3, (await Service<SandboxService>(_owner).ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);
    }

    [Fact]
    public async Task RemovingTheRuleFromTheSandbox_RemovesItsAlerts()
    {
        var sandbox = await SandboxAsync();
        await UploadAsync(_owner, sandbox, Whoami);
        var (rule, _) = await DeployWhoamiAsync(sandbox);
        Assert.Equal(1, (await Service<SandboxService>(_owner).ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);

        await _db.RunWorkAsync((await Service<DeploymentService>(_owner).RemoveAsync(rule, sandbox)).Value);
        await _db.RunQueuedWorkAsync();

        Assert.Equal(0, (await Service<SandboxService>(_owner).ListAlertsAsync(new AlertQuery(sandbox))).Value!.Total);
    }

    [Fact]
    public async Task Events_ForAnotherKindOfTarget_AreRefused()
    {
        await using var db = _db.NewContext();
        var splunk = new SiemTarget { Id = Guid.CreateVersion7(), CompanyId = _company, Name = "Splunk", Kind = TargetKind.Splunk };
        db.SiemTargets.Add(splunk);
        await db.SaveChangesAsync();

        Assert.Equal("Target", Invalid(await UploadAsync(_owner, splunk.Id, Whoami)).Field);
    }

    private static Invalid Invalid<T>(Result<T> result) => Assert.IsType<Invalid>(result.Error);

    /// <summary>A Sysmon process creation as Event Viewer's XML exported to JSON: EventData as Data name/value pairs.</summary>
    private static string Evtx(string image) => """
        {"Event": {"System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "WS-001"},
          "EventData": {"Data": [{"@Name": "Image", "#text": "IMAGE"}, {"@Name": "User", "#text": "CORP\\alice"}]}}}
        """.Replace("IMAGE", image.Replace("\\", "\\\\", StringComparison.Ordinal), StringComparison.Ordinal);

    private async Task<Guid> SandboxAsync() => (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;

    private Task<Result<SandboxSummary>> UploadAsync(string user, Guid target, string text, bool replace = false) =>
        Service<SandboxService>(user).UploadAsync(target, new MemoryStream(Encoding.UTF8.GetBytes(text)), replace);

    /// <summary>Deploys an approved whoami rule to the sandbox and runs what that records: returns the rule and its alert runs.</summary>
    private async Task<(Guid Rule, IReadOnlyList<Guid> Runs)> DeployWhoamiAsync(Guid sandbox)
    {
        await _db.RunQueuedWorkAsync();
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _db.PassTestsAsync(_owner, _company, rule);
        var request = await Service<ApprovalService>(_owner).SubmitAsync(rule);
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request.Value, ReviewDecisionKind.Approve, null)).Value);
        var before = _db.Queue.Enqueued.Count;
        await _db.RunWorkAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);
        var runs = _db.Queue.Enqueued.Skip(before + 1).ToList();
        await _db.RunQueuedWorkAsync();
        await using var db = _db.NewContext();
        Assert.All(runs, id => Assert.Equal(WorkStatus.Succeeded, db.WorkItems.IgnoreQueryFilters().Single(w => w.Id == id).Status));
        return (rule, runs);
    }

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
