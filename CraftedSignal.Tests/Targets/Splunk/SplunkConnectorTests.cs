using System.Text.Json;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Http;
using CraftedSignal.Domain.Targets.Splunk;
using static CraftedSignal.Tests.Targets.Splunk.SplunkTestKit;

namespace CraftedSignal.Tests.Targets.Splunk;

public sealed class SplunkConnectorTests : IAsyncLifetime
{
    private static readonly Guid RuleId = Guid.Parse("0d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a11");
    private readonly CapturingLogger<SplunkConnector> _log = new();
    private SplunkTestServer _server = default!;
    private SplunkConnector _connector = default!;
    private SplunkConnection _connection = default!;

    public async Task InitializeAsync()
    {
        _server = await SplunkTestServer.StartAsync();
        _connection = Connection(_server);
        _connector = Connector(_log, _connection);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Deploy_CreatesExactlyOneSavedSearch_WithTheConvertedSplAndItsSchedule()
    {
        var deployed = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var expectedSpl = SigmaConverter.Convert(SigmaParser.Parse(Rule, "rule.yml"), SigmaConverter.CreateBackend("splunk")!).Queries.Single();
        Assert.Equal(expectedSpl, deployed.Value.Spl);
        Assert.Equal(SplunkSaveOutcome.Created, deployed.Value.Outcome);
        var search = Assert.Single(_server.SavedSearches);
        Assert.Equal(("search", "nobody", $"CraftedSignal-{RuleId}"), (search.App, search.Owner, search.Name));
        Assert.Equal(expectedSpl, search.Fields["search"]);
        Assert.Equal("*/5 * * * *", search.Fields["cron_schedule"]);
        Assert.Equal("1", search.Fields["is_scheduled"]);
        Assert.Equal("0", search.Fields["disabled"]);
        Assert.Equal("-6m@m", search.Fields["dispatch.earliest_time"]);
        Assert.Equal("-1m@m", search.Fields["dispatch.latest_time"]);
        Assert.Equal(("number of events", "greater than", "0"), (search.Fields["alert_type"], search.Fields["alert_comparator"], search.Fields["alert_threshold"]));
        Assert.Equal("5", search.Fields["alert.severity"]);
        Assert.StartsWith("Whoami Execution\n\nSomeone ran whoami.exe", search.Fields["description"], StringComparison.Ordinal);
        Assert.Contains($"[Managed by CraftedSignal: rule {RuleId}", search.Fields["description"], StringComparison.Ordinal);
        var create = Assert.Single(_server.Requests, r => r.Method == "POST");
        Assert.Equal("/servicesNS/nobody/search/saved/searches", create.Path);
        Assert.Equal($"Bearer {SplunkTestServer.AdminToken}", create.Authorization);
        Assert.Equal($"CraftedSignal-{RuleId}", create.Form["name"]);
    }

    [Fact]
    public async Task Deploy_Again_UpdatesTheSameSavedSearch()
    {
        Assert.True((await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None)).Succeeded);

        var second = await _connector.DeployAsync(_connection, RuleId, RuleWith(@"\net.exe", level: "low"), CancellationToken.None);

        Assert.Equal(SplunkSaveOutcome.Updated, second.Value!.Outcome);
        var search = Assert.Single(_server.SavedSearches);
        Assert.Equal(second.Value.Spl, search.Fields["search"]);
        Assert.Contains("net.exe", search.Fields["search"], StringComparison.Ordinal);
        Assert.Equal("3", search.Fields["alert.severity"]);
        var update = _server.Requests.Last();
        Assert.Equal($"/servicesNS/nobody/search/saved/searches/CraftedSignal-{RuleId}", update.Path);
        Assert.False(update.Form.ContainsKey("name"));
    }

    [Fact]
    public async Task Deploy_RetriedAfterTheConnectionDroppedOnceSplunkActed_DoesNotDuplicate()
    {
        _server.Inject(new TargetFault(TargetFaultKind.DropAfterHandling) { PathContains = "/saved/searches", Method = "POST" });

        var first = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);
        var retried = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        var lost = Assert.IsType<TargetConnectionLost>(first.Error);
        Assert.True(lost.Transient);
        Assert.Equal(SplunkSaveOutcome.Updated, retried.Value!.Outcome);
        Assert.Single(_server.SavedSearches);
    }

    [Fact]
    public async Task Deploy_ThroughTheTargetInterface_ReturnsTheSpl()
    {
        var target = new SiemTarget { Name = "Prod Splunk", Kind = TargetKind.Splunk };

        var deployed = await ((ITargetConnector)_connector).DeployAsync(target, RuleId, Rule, Guid.NewGuid(), CancellationToken.None);
        var removed = await ((ITargetConnector)_connector).RemoveAsync(target, RuleId, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(_connector.Kind, target.Kind);
        Assert.Contains(@"Image=""*\\whoami.exe""", deployed.Value, StringComparison.Ordinal);
        Assert.True(removed.Succeeded);
        Assert.Empty(_server.SavedSearches);
    }

    [Fact]
    public async Task Remove_DeletesTheSavedSearch_AndRemovingAgainSucceeds()
    {
        await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);
        _server.Add("search", "Someone else's search", "index=main error");

        var removed = await _connector.RemoveAsync(_connection, RuleId, CancellationToken.None);
        var again = await _connector.RemoveAsync(_connection, RuleId, CancellationToken.None);

        Assert.True(removed.Succeeded);
        Assert.True(again.Succeeded, again.Error?.Message);
        Assert.Equal("Someone else's search", Assert.Single(_server.SavedSearches).Name);
    }

    [Fact]
    public async Task Remove_AndDeploy_InAnAppThatDoesNotExist_SayWhichApp()
    {
        var wrongApp = _connection with { App = "SplunkEnterpriseSecuritySuit" };

        var removed = await _connector.RemoveAsync(wrongApp, RuleId, CancellationToken.None);
        var deployed = await _connector.DeployAsync(wrongApp, RuleId, Rule, CancellationToken.None);

        Assert.Equal("SplunkEnterpriseSecuritySuit", Assert.IsType<SplunkNamespaceNotFound>(removed.Error).App);
        Assert.Contains("no app 'SplunkEnterpriseSecuritySuit'", Assert.IsType<SplunkNamespaceNotFound>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(_server.SavedSearches);
    }

    [Fact]
    public async Task ListDeployed_ReadsEveryPage_AndKeepsOnlyOurs()
    {
        var connection = _connection with { PageSize = 2 };
        var rules = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var rule in rules)
            Assert.True((await _connector.DeployAsync(connection, rule, Rule, CancellationToken.None)).Succeeded);
        foreach (var name in new[] { "Errors by host", "License usage", "Zeek notices" })
            _server.Add("search", name, "index=main");

        var listed = await _connector.ListAsync(connection, CancellationToken.None);

        Assert.Equal(rules.Order(), listed.Value!.Select(r => r.RuleId).Order());
        Assert.All(listed.Value!, r => Assert.Equal($"CraftedSignal-{r.RuleId}", r.NativeId));
        var pages = _server.Requests.Where(r => r.Method == "GET" && r.Path.EndsWith("/saved/searches", StringComparison.Ordinal)).Select(r => r.Query).ToList();
        Assert.Equal(["?output_mode=json&count=2&offset=0", "?output_mode=json&count=2&offset=2", "?output_mode=json&count=2&offset=4", "?output_mode=json&count=2&offset=6"], pages);
    }

    [Fact]
    public async Task Compare_ShowsAnEditMadeInSplunk_AsDrift_AndTheNextDeploymentRestoresIt()
    {
        var splunk = (ITargetConnector)_connector;
        var target = new SiemTarget { Name = "Prod Splunk", Kind = TargetKind.Splunk };
        await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);
        var asDeployed = await splunk.CompareAsync(target, RuleId, Rule, CancellationToken.None);
        _server.Edit("search", $"CraftedSignal-{RuleId}", "search", "index=main | head 1");
        _server.Edit("search", $"CraftedSignal-{RuleId}", "is_scheduled", "0");

        var drifted = await splunk.CompareAsync(target, RuleId, Rule, CancellationToken.None);
        await splunk.DeployAsync(target, RuleId, Rule, Guid.NewGuid(), CancellationToken.None);
        var restored = await splunk.CompareAsync(target, RuleId, Rule, CancellationToken.None);

        Assert.True(asDeployed.Value!.AsDeployed);
        Assert.Equal(RuleId, drifted.Value!.Deployed!.RuleId);
        Assert.Equal(["search", "is_scheduled"], drifted.Value.Differences.Select(d => d.Field));
        Assert.Equal("index=main | head 1", drifted.Value.Differences[0].Actual);
        Assert.Equal("index=main | head 1", drifted.Value.Deployed.Query);
        Assert.NotEqual(asDeployed.Value.Deployed!.ChangeMarker, drifted.Value.Deployed.ChangeMarker);
        Assert.True(restored.Value!.AsDeployed);
        Assert.True(restored.Value.Deployed!.Enabled);
    }

    [Fact]
    public async Task Compare_AfterAnEditIsReverted_IsAsDeployed_AndAfterADeletionInSplunk_IsMissing()
    {
        var deployed = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);
        var name = $"CraftedSignal-{RuleId}";
        _server.Edit("search", name, "search", "index=main");
        _server.Edit("search", name, "search", deployed.Value!.Spl);

        var reverted = await _connector.CompareAsync(_connection, RuleId, Rule, CancellationToken.None);
        _server.Delete("search", name);
        var deleted = await _connector.CompareAsync(_connection, RuleId, Rule, CancellationToken.None);
        var read = await _connector.ReadAsync(_connection, RuleId, CancellationToken.None);

        Assert.True(reverted.Value!.AsDeployed);
        Assert.True(deleted.Value!.Missing);
        Assert.True(read.Succeeded);
        Assert.Null(read.Value);
    }

    [Fact]
    public async Task Compare_WhenSplunkAnswersGarbage_IsAnError_NeverMissingOrDrifted()
    {
        await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);
        _server.Inject(new TargetFault(TargetFaultKind.MalformedJson));

        var compared = await _connector.CompareAsync(_connection, RuleId, Rule, CancellationToken.None);

        Assert.IsType<TargetMalformedResponse>(compared.Error);
        Assert.Null(compared.Value);
    }

    [Fact]
    public async Task ReadDeployed_OfARuleNeverDeployed_IsNull()
    {
        var read = await _connector.ReadDeployedAsync(_connection, Guid.NewGuid(), CancellationToken.None);

        Assert.True(read.Succeeded);
        Assert.Null(read.Value);
    }

    [Theory]
    [InlineData("informational", 2)]
    [InlineData("low", 3)]
    [InlineData("medium", 4)]
    [InlineData("high", 5)]
    [InlineData("critical", 6)]
    public void Compile_MapsTheSigmaLevel_ToSplunksAlertSeverity(string level, int severity)
    {
        var spec = SplunkConnector.Compile(_connection, RuleId, RuleWith(@"\whoami.exe", level));

        Assert.Equal(severity, spec.Value!.AlertSeverity);
    }

    [Theory]
    [InlineData("deprecated")]
    [InlineData("unsupported")]
    public async Task Deploy_OfARuleSigmaSaysNotToRun_IsRefused_WithoutCallingSplunk(string status)
    {
        var deployed = await _connector.DeployAsync(_connection, RuleId, RuleWith(@"\whoami.exe", status: status), CancellationToken.None);

        Assert.Contains($"status is '{status}'", Assert.IsType<SplunkRuleNotDeployable>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Deploy_OfARuleTheSplunkBackendRefuses_SaysWhy()
    {
        var rule = Rule.Replace("Image|endswith: '\\whoami.exe'", "Image|cased: 'whoami.exe'", StringComparison.Ordinal);

        var deployed = await _connector.DeployAsync(_connection, RuleId, rule, CancellationToken.None);

        Assert.StartsWith("The rule does not convert to Splunk SPL: ", Assert.IsType<SplunkRuleNotDeployable>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Compile_WithPipelines_AppliesThem()
    {
        var spec = SplunkConnector.Compile(_connection with { Pipelines = [TargetPipelines.Builtin("sysmon"), TargetPipelines.Builtin("splunk-windows")] }, RuleId, Rule);

        Assert.StartsWith(@"source=""WinEventLog:Microsoft-Windows-Sysmon/Operational"" EventID=1", spec.Value!.Search, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_WithATokenWhoseRoleCannotSchedule_NamesTheMissingCapability()
    {
        var deployed = await _connector.DeployAsync(Connection(_server, SplunkTestServer.ReaderToken), RuleId, Rule, CancellationToken.None);

        var forbidden = Assert.IsType<SplunkForbidden>(deployed.Error);
        Assert.Equal("schedule_search", forbidden.Capability);
        Assert.False(forbidden.Transient);
        Assert.Empty(_server.SavedSearches);
    }

    [Fact]
    public async Task LiveTest_SendsEventsThroughHec_AndTheSearchJobReturnsThem()
    {
        var events = new[]
        {
            JsonSerializer.SerializeToElement(new { Image = @"C:\Windows\System32\whoami.exe", User = "alice" }),
            JsonSerializer.SerializeToElement(new { Image = @"C:\Windows\System32\whoami.exe", User = "bob" }),
        };
        _server.Add("search", "unrelated", "index=main");

        var tested = await _connector.LiveTestAsync(_connection, Rule, events, CancellationToken.None);

        Assert.True(tested.Succeeded, tested.Error?.Message);
        Assert.Equal(2, tested.Value.EventsSent);
        Assert.All(_server.Events, e => Assert.Equal(SplunkTestServer.TestIndex, e.Index));
        Assert.Equal(["alice", "bob"], tested.Value.Rows.Select(r => r["User"]));
        Assert.Equal(events[0].GetRawText(), tested.Value.Rows[0]["_raw"]);
        Assert.StartsWith($"index=\"{SplunkTestServer.TestIndex}\" source=\"craftedsignal:test:", tested.Value.Query, StringComparison.Ordinal);
        var hec = Assert.Single(_server.Requests, r => r.Path == "/services/collector/event");
        Assert.Equal($"Splunk {SplunkTestServer.HecToken}", hec.Authorization);
        Assert.DoesNotContain(_server.Requests, r => r.Path.StartsWith("/services", StringComparison.Ordinal) && r.Path != "/services/collector/event"
            && r.Authorization?.Contains(SplunkTestServer.HecToken, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task LiveTest_WithIndexerAcknowledgment_WaitsForTheAck()
    {
        _server.HecAcknowledgment = true;

        var tested = await _connector.LiveTestAsync(_connection, Rule, [JsonSerializer.SerializeToElement(new { Image = "whoami.exe" })], CancellationToken.None);

        Assert.True(tested.Succeeded, tested.Error?.Message);
        Assert.Single(tested.Value.Rows);
        Assert.Equal(2, _server.Requests.Count(r => r.Path == "/services/collector/ack"));
    }

    [Fact]
    public async Task LiveTest_IntoAnIndexTheHecTokenMayNotWrite_IsRefusedWithHecsCode()
    {
        var tested = await _connector.LiveTestAsync(_connection with { TestIndex = "prod_windows" }, Rule, [JsonSerializer.SerializeToElement(new { Image = "whoami.exe" })], CancellationToken.None);

        var refused = Assert.IsType<SplunkHecRejected>(tested.Error);
        Assert.Equal((400, 7), (refused.Status, refused.Code));
        Assert.Contains("Incorrect index", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunSearch_PollsTheJobThroughItsDispatchStates_AndReadsResultsPageByPage()
    {
        var events = Enumerable.Range(0, 5).Select(i => JsonSerializer.SerializeToElement(new { n = i })).ToList();
        await _connector.LiveTestAsync(_connection, Rule, events, CancellationToken.None);
        var requestsBefore = _server.Requests.Count;

        var results = await _connector.RunSearchAsync(_connection with { PageSize = 2 }, $"index={SplunkTestServer.TestIndex}", "-1h", "now", CancellationToken.None);

        Assert.Equal(["0", "1", "2", "3", "4"], results.Value!.Rows.Select(r => r["n"]));
        Assert.False(results.Value.Truncated);
        var requests = _server.Requests.Skip(requestsBefore).ToList();
        Assert.Equal($"search index={SplunkTestServer.TestIndex}", requests[0].Form["search"]);
        Assert.Equal(5, requests.Count(r => r.Method == "GET" && r.Path.EndsWith(results.Value.Sid, StringComparison.Ordinal)));
        Assert.Equal(3, requests.Count(r => r.Path.EndsWith("/results", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunSearch_ThatNeverFinishes_TimesOut_AndCancelsTheJob()
    {
        _server.JobsNeverFinish = true;
        var started = DateTime.UtcNow;

        var results = await _connector.RunSearchAsync(_connection with { SearchTimeout = TimeSpan.FromSeconds(2) }, "index=main", "-1h", "now", CancellationToken.None);

        Assert.True(Assert.IsType<TargetTimeout>(results.Error).Transient);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Equal(0, _server.JobCount);
        Assert.Equal("cancel", _server.Requests.Last().Form["action"]);
    }

    [Fact]
    public async Task RunSearch_WithSplSplunkCannotParse_ReportsSplunksMessage()
    {
        var results = await _connector.RunSearchAsync(_connection, "index=main | nosuchcommand", "-1h", "now", CancellationToken.None);

        Assert.Contains("Unknown search command 'nosuchcommand'", Assert.IsType<SplunkSearchFailed>(results.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestConnection_WithGoodSettings_PassesEveryStep()
    {
        var report = await _connector.TestConnectionAsync(_connection, CancellationToken.None);

        Assert.True(report.Succeeded, report.FirstFailure?.Message);
        Assert.Equal(["settings", "splunk", "token", "capabilities", "app", "hec", "hec token"], report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.True(c.Passed));
        Assert.Equal("9.3.2", report.Server!.Version);
        Assert.Equal("admin", report.User!.UserName);
    }

    [Fact]
    public async Task TestConnection_NamesWhatFailed()
    {
        var badToken = await _connector.TestConnectionAsync(_connection with { Token = "not-a-token-splunk-knows-0000" }, CancellationToken.None);
        var reader = await _connector.TestConnectionAsync(Connection(_server, SplunkTestServer.ReaderToken), CancellationToken.None);
        var wrongApp = await _connector.TestConnectionAsync(_connection with { App = "nosuchapp" }, CancellationToken.None);
        var untrusted = await _connector.TestConnectionAsync(_connection with { Transport = _connection.Transport with { TrustedCaPem = null } }, CancellationToken.None);
        var badHecToken = await _connector.TestConnectionAsync(_connection with { HecToken = "00000000-0000-0000-0000-000000000000" }, CancellationToken.None);
        var noHost = await _connector.TestConnectionAsync(_connection with { ManagementUrl = new Uri("https://splunk.invalid:8089"), HecUrl = null }, CancellationToken.None);

        Assert.IsType<SplunkUnauthorized>(badToken.FirstFailure);
        Assert.Equal("schedule_search", Assert.IsType<SplunkForbidden>(reader.FirstFailure).Capability);
        Assert.False(reader.Checks.Single(c => c.Name == "capabilities").Passed);
        Assert.Equal("nosuchapp", Assert.IsType<SplunkNamespaceNotFound>(wrongApp.FirstFailure).App);
        Assert.Equal(["settings", "splunk", "token", "capabilities", "app", "hec", "hec token"], wrongApp.Checks.Select(c => c.Name));
        Assert.Contains("not trusted", Assert.IsType<TargetTlsFailure>(untrusted.FirstFailure).Message, StringComparison.Ordinal);
        Assert.Equal("hec token", badHecToken.Checks.Single(c => !c.Passed).Name);
        Assert.Equal((403, 4), (Assert.IsType<SplunkHecRejected>(badHecToken.FirstFailure).Status, ((SplunkHecRejected)badHecToken.FirstFailure!).Code));
        Assert.Equal("splunk.invalid", Assert.IsType<TargetHostNotFound>(noHost.FirstFailure).Host);
    }

    [Fact]
    public async Task Health_ReportsVersionAndHealth()
    {
        var health = await _connector.HealthAsync(_connection, CancellationToken.None);

        Assert.Equal(("Splunk", "9.3.2", "green"), (health.Value!.Service, health.Value.Version, health.Value.Status));
        Assert.True(health.Value.RoundTrip > TimeSpan.Zero);
    }
}
