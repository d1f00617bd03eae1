using System.Text.Json.Nodes;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Http;
using CraftedSignal.Domain.Targets.Sentinel;
using static CraftedSignal.Tests.Targets.Sentinel.SentinelTestKit;

namespace CraftedSignal.Tests.Targets.Sentinel;

public sealed class SentinelConnectorTests : SentinelTestBase
{
    private string RulePath => $"/subscriptions/{SentinelTestServer.SubscriptionId}/resourceGroups/{SentinelTestServer.ResourceGroup}/providers/Microsoft.OperationalInsights/workspaces/{SentinelTestServer.Workspace}/providers/Microsoft.SecurityInsights/alertRules/{RuleId:D}";

    [Fact]
    public async Task Deploy_CreatesExactlyOneScheduledRule_WithTheConvertedKqlAndItsSettings()
    {
        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var expectedKql = SigmaConverter.Convert(SigmaParser.Parse(Rule, "rule.yml"), SigmaConverter.CreateBackend("kusto")!, [ProcessingPipeline.Resolve("sentinel-windows").Value!]).Queries.Single();
        Assert.StartsWith("DeviceProcessEvents\n| where ", expectedKql, StringComparison.Ordinal);
        Assert.Equal(expectedKql, deployed.Value.Query);
        Assert.Equal(SentinelSaveOutcome.Created, deployed.Value.Outcome);
        var rule = Assert.Single(Server.Rules);
        Assert.Equal((RuleId.ToString("D"), "Scheduled"), (rule.Name, rule.Kind));
        Assert.Equal(rule.Etag, deployed.Value.Etag);
        var p = rule.Properties;
        Assert.Equal("Whoami Execution", (string?)p["displayName"]);
        Assert.StartsWith("Whoami Execution\n\nSomeone ran whoami.exe", (string?)p["description"], StringComparison.Ordinal);
        Assert.Contains($"[Managed by CraftedSignal: rule {RuleId}, content sha256 ", (string?)p["description"], StringComparison.Ordinal);
        Assert.Equal("High", (string?)p["severity"]);
        Assert.Equal(expectedKql, (string?)p["query"]);
        Assert.Equal(("PT5M", "PT5M"), ((string?)p["queryFrequency"], (string?)p["queryPeriod"]));
        Assert.Equal(("GreaterThan", 0), ((string?)p["triggerOperator"], (int?)p["triggerThreshold"]));
        Assert.True((bool?)p["enabled"]);
        Assert.False((bool?)p["suppressionEnabled"]);
        Assert.Equal("PT5H", (string?)p["suppressionDuration"]);
        Assert.Equal(["Discovery", "PrivilegeEscalation"], p["tactics"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(["T1033", "T1548"], p["techniques"]!.AsArray().Select(t => (string?)t));
        Assert.True((bool?)p["incidentConfiguration"]!["createIncident"]);

        var put = Assert.Single(Server.Requests, r => r.Method == "PUT");
        Assert.Equal(RulePath, put.Path);
        Assert.Equal("?api-version=2025-09-01", put.Query);
        Assert.StartsWith("Bearer ", put.Authorization, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(put.Body)!["etag"]);
        Assert.Equal(1, Server.TokenRequests);
    }

    [Fact]
    public async Task Deploy_Again_UpdatesTheSameRule_SendingTheEtagItRead_AndGetsANewOne()
    {
        var first = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var second = await Sentinel.DeployAsync(Settings, RuleId, RuleWith(@"\net.exe", level: "low"), CancellationToken.None);

        Assert.Equal(SentinelSaveOutcome.Updated, second.Value!.Outcome);
        var rule = Assert.Single(Server.Rules);
        Assert.Equal(RuleId.ToString("D"), rule.Name);
        Assert.NotEqual(first.Value!.Etag, second.Value.Etag);
        Assert.Equal(rule.Etag, second.Value.Etag);
        Assert.Contains("net.exe", (string?)rule.Properties["query"], StringComparison.Ordinal);
        Assert.Equal("Low", (string?)rule.Properties["severity"]);
        var update = Server.Requests.Last(r => r.Method == "PUT");
        Assert.Equal(first.Value.Etag, (string?)JsonNode.Parse(update.Body)!["etag"]);
    }

    [Fact]
    public async Task Deploy_RetriedAfterTheConnectionDroppedOnceSentinelActed_DoesNotDuplicate()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.DropAfterHandling) { Method = "PUT" });

        var first = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var retried = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.True(Assert.IsType<Domain.Targets.Http.TargetConnectionLost>(first.Error).Transient);
        Assert.Equal(SentinelSaveOutcome.Updated, retried.Value!.Outcome);
        Assert.Single(Server.Rules);
    }

    [Fact]
    public async Task Deploy_WhenTheRuleChangesInSentinelBetweenReadAndWrite_ReadsItAgain_AndWritesOverTheNewEtag()
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Inject(new SentinelFault(TargetFaultKind.EditBeforeWrite) { Method = "PUT" });

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var puts = Server.Requests.Where(r => r.Method == "PUT").Skip(1).ToList();
        Assert.Equal(2, puts.Count);
        Assert.NotEqual((string?)JsonNode.Parse(puts[0].Body)!["etag"], (string?)JsonNode.Parse(puts[1].Body)!["etag"]);
        Assert.StartsWith("Whoami Execution", (string?)Assert.Single(Server.Rules).Properties["description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_WhenTheRuleKeepsChangingInSentinel_IsATransientConflict()
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Inject(new SentinelFault(TargetFaultKind.EditBeforeWrite) { Method = "PUT", Times = 2 });

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var conflict = Assert.IsType<SentinelConflict>(deployed.Error);
        Assert.True(conflict.Transient);
        Assert.Contains("does not match", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_KeepsWhatSomeoneAddedInSentinel_AndRestoresWhatCraftedSignalOwns()
    {
        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var mapping = JsonNode.Parse("""[{"entityType":"Host","fieldMappings":[{"identifier":"FullName","columnName":"DeviceName"}]}]""");
        Server.Edit(RuleId.ToString("D"), "entityMappings", mapping);
        Server.Edit(RuleId.ToString("D"), "query", "SecurityEvent | take 1");
        Server.Edit(RuleId.ToString("D"), "enabled", false);

        var target = new SiemTarget { Name = "Prod Sentinel", Kind = TargetKind.Sentinel };

        var drifted = await ((ITargetConnector)Sentinel).CompareAsync(target, RuleId, Rule, CancellationToken.None);
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var compared = await ((ITargetConnector)Sentinel).CompareAsync(target, RuleId, Rule, CancellationToken.None);
        var restored = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        Assert.Equal(RuleId, drifted.Value!.Deployed!.RuleId);
        Assert.Equal(["enabled", "query"], drifted.Value.Differences.Select(d => d.Field));
        Assert.Equal(("true", "false"), (drifted.Value.Differences[0].Expected, drifted.Value.Differences[0].Actual));
        Assert.Equal("SecurityEvent | take 1", drifted.Value.Deployed.Query);
        Assert.NotEqual(deployed.Value!.Etag, drifted.Value.Deployed.ChangeMarker);
        Assert.True(compared.Value!.AsDeployed);
        Assert.Contains("\"columnName\":\"DeviceName\"", restored.Value!.Field("entityMappings"), StringComparison.Ordinal);
        Assert.Equal("DeviceName", (string?)Assert.Single(Server.Rules).Properties["entityMappings"]![0]!["fieldMappings"]![0]!["columnName"]);
    }

    [Fact]
    public async Task Deploy_ThroughTheTargetInterface_ReturnsTheKql()
    {
        var target = new SiemTarget { Name = "Prod Sentinel", Kind = TargetKind.Sentinel };

        var deployed = await ((ITargetConnector)Sentinel).DeployAsync(target, RuleId, Rule, Guid.NewGuid(), CancellationToken.None);
        var removed = await ((ITargetConnector)Sentinel).RemoveAsync(target, RuleId, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(Sentinel.Kind, target.Kind);
        Assert.Contains(@"FolderPath endswith ""\\whoami.exe""", deployed.Value, StringComparison.Ordinal);
        Assert.True(removed.Succeeded);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task Remove_DeletesTheRule_AndRemovingAgainSucceeds()
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var theirs = Server.Add("Brute force on VPN", "SigninLogs | where ResultType == 50126");

        var removed = await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None);
        var again = await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None);

        Assert.True(removed.Succeeded, removed.Error?.Message);
        Assert.True(again.Succeeded, again.Error?.Message);
        Assert.Equal(theirs, Assert.Single(Server.Rules).Name);
        Assert.Equal(["DELETE", "DELETE"], Server.Requests.Where(r => r.Host == SentinelHost.Arm).Select(r => r.Method).TakeLast(2));
    }

    [Theory]
    [InlineData("WorkspaceName", "law-sentinal")]
    [InlineData("ResourceGroup", "rg-securty")]
    [InlineData("SubscriptionId", "11111111-2222-4333-8444-555555555555")]
    public async Task Remove_FromAWorkspaceThatDoesNotExist_IsAClearError_NotSuccess(string setting, string wrong)
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var connection = setting switch
        {
            "WorkspaceName" => Settings with { WorkspaceName = wrong },
            "ResourceGroup" => Settings with { ResourceGroup = wrong },
            _ => Settings with { SubscriptionId = wrong },
        };

        var removed = await Sentinel.RemoveAsync(connection, RuleId, CancellationToken.None);
        var read = await Sentinel.ReadDeployedAsync(connection, RuleId, CancellationToken.None);

        var missing = Assert.IsType<SentinelWorkspaceNotFound>(removed.Error);
        Assert.Equal((setting, wrong), (missing.Setting, missing.Name));
        Assert.Contains($"'{wrong}'", missing.Message, StringComparison.Ordinal);
        Assert.EndsWith($"check {setting}.", missing.Message, StringComparison.Ordinal);
        Assert.IsType<SentinelWorkspaceNotFound>(read.Error);
        Assert.Single(Server.Rules);
    }

    [Fact]
    public async Task Deploy_ToAWorkspaceThatDoesNotExist_NamesIt()
    {
        var deployed = await Sentinel.DeployAsync(Settings with { WorkspaceName = "law-other" }, RuleId, Rule, CancellationToken.None);

        Assert.Equal("law-other", Assert.IsType<SentinelWorkspaceNotFound>(deployed.Error).Name);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task ListDeployed_FollowsNextLinkBeyondOnePage_AndKeepsOnlyOurs()
    {
        Server.PageSize = 2;
        var rules = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var rule in rules)
            Assert.True((await Sentinel.DeployAsync(Settings, rule, Rule, CancellationToken.None)).Succeeded);
        Server.Add("Failed sign-ins", "SigninLogs | where ResultType != 0");
        Server.Add("Heartbeat lost", "Heartbeat | summarize max(TimeGenerated) by Computer");
        // A copy made in Sentinel keeps our marker under another name: it is not ours.
        Server.Add("Copy of Whoami Execution", "DeviceProcessEvents | take 1", $"[Managed by CraftedSignal: rule {rules[0]:D}, content sha256 00]");

        var listed = await Sentinel.ListAsync(Settings, CancellationToken.None);

        Assert.True(listed.Succeeded, listed.Error?.Message);
        Assert.Equal(rules.Order(), listed.Value.Select(r => r.RuleId).Order());
        Assert.All(listed.Value, r => Assert.Equal(r.RuleId.ToString("D"), r.NativeId));
        var pages = Server.Requests.Where(r => r.Method == "GET" && r.Path.EndsWith("/alertRules", StringComparison.Ordinal)).Select(r => r.Query).ToList();
        Assert.Equal(4, pages.Count);
        Assert.Equal("?api-version=2025-09-01", pages[0]);
        Assert.All(pages.Skip(1), q => Assert.Contains("&$skipToken=", q, StringComparison.Ordinal));
        Assert.Equal(3, pages.Skip(1).Distinct().Count());
    }

    [Fact]
    public async Task Compare_AfterAnEditIsReverted_IsAsDeployed_AndAfterADeletionInSentinel_IsMissing()
    {
        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Edit(RuleId.ToString("D"), "severity", "Low");
        Server.Edit(RuleId.ToString("D"), "severity", deployed.Value!.Spec.Severity);

        var reverted = await Sentinel.CompareAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Delete(RuleId.ToString("D"));
        var deleted = await Sentinel.CompareAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.True(reverted.Value!.AsDeployed);
        Assert.NotEqual(deployed.Value.Etag, reverted.Value.Deployed!.ChangeMarker);
        Assert.True(deleted.Value!.Missing);
    }

    [Fact]
    public async Task Compare_WhenArmAnswersGarbage_IsAnError_NeverMissingOrDrifted()
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Inject(new SentinelFault(TargetFaultKind.MalformedJson));

        var compared = await Sentinel.CompareAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.IsType<TargetMalformedResponse>(compared.Error);
    }

    [Fact]
    public async Task Health_IsTheWorkspacesAnswer_AndAnUnknownWorkspaceIsAnError()
    {
        var health = await ((ITargetConnector)Sentinel).HealthAsync(new SiemTarget { Name = "Prod Sentinel", Kind = TargetKind.Sentinel }, CancellationToken.None);
        var wrong = await Sentinel.HealthAsync(Settings with { WorkspaceName = "no-such-workspace" }, CancellationToken.None);

        Assert.Equal("Microsoft Sentinel", health.Value!.Service);
        Assert.Contains(Settings.WorkspaceName, health.Value.Status, StringComparison.Ordinal);
        Assert.True(health.Value.RoundTrip > TimeSpan.Zero);
        Assert.IsType<SentinelWorkspaceNotFound>(wrong.Error);
    }

    [Fact]
    public async Task ReadDeployed_OfARuleNeverDeployed_IsNull()
    {
        var read = await Sentinel.ReadDeployedAsync(Settings, Guid.NewGuid(), CancellationToken.None);

        Assert.True(read.Succeeded, read.Error?.Message);
        Assert.Null(read.Value);
    }

    [Fact]
    public async Task Read_ReportsEnabled_Etag_AndLastModified_AsSentinelHasThem()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var healthy = await Sentinel.ReadAsync(Settings, RuleId, CancellationToken.None);
        Server.Edit(RuleId.ToString("D"), "enabled", false);
        var disabled = await Sentinel.ReadAsync(Settings, RuleId, CancellationToken.None);
        var never = await Sentinel.ReadAsync(Settings, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal((true, deployed.Value!.Etag), (healthy.Value!.Enabled, healthy.Value.ChangeMarker));
        Assert.InRange(healthy.Value.ModifiedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.False(disabled.Value!.Enabled);
        Assert.Equal(Assert.Single(Server.Rules).Etag, disabled.Value.ChangeMarker);
        Assert.NotEqual(healthy.Value.ChangeMarker, disabled.Value.ChangeMarker);
        Assert.True(disabled.Value.ModifiedAt >= healthy.Value.ModifiedAt);
        Assert.True(never.Succeeded);
        Assert.Null(never.Value);
    }

    [Theory]
    [InlineData("informational", "Informational")]
    [InlineData("low", "Low")]
    [InlineData("medium", "Medium")]
    [InlineData("high", "High")]
    [InlineData("critical", "High")]
    public void Compile_MapsTheSigmaLevel_ToASentinelSeverity_CriticalBeingHigh(string level, string severity)
    {
        var spec = SentinelConnector.Compile(Settings, RuleId, RuleWith(@"\whoami.exe", level));

        Assert.Equal(severity, spec.Value!.Severity);
    }

    [Fact]
    public void Compile_TakesTacticsFromTheEnum_AndTechniquesAsTxxxxOnly()
    {
        var rule = Rule.Replace("  - attack.g0007", "  - attack.defense-evasion\n  - attack.t1059.001\n  - attack.t1059\n  - attack.pre_attack_x", StringComparison.Ordinal);

        var spec = SentinelConnector.Compile(Settings, RuleId, rule).Value!;

        Assert.Equal(["Discovery", "PrivilegeEscalation", "DefenseEvasion"], spec.Tactics);
        Assert.Equal(["T1033", "T1548", "T1059"], spec.Techniques);
    }

    [Fact]
    public void Compile_UsesTheConfiguredSchedule_AsIso8601()
    {
        var spec = SentinelConnector.Compile(Settings with { QueryFrequency = TimeSpan.FromHours(1), QueryPeriod = TimeSpan.FromDays(1) }, RuleId, Rule).Value!;

        var properties = spec.OwnedProperties();
        Assert.Equal(("PT1H", "P1D"), ((string?)properties["queryFrequency"], (string?)properties["queryPeriod"]));
    }

    [Theory]
    [InlineData("deprecated")]
    [InlineData("unsupported")]
    public async Task Deploy_OfARuleSigmaSaysNotToRun_IsRefused_WithoutCallingSentinel(string status)
    {
        var deployed = await Sentinel.DeployAsync(Settings, RuleId, RuleWith(@"\whoami.exe", status: status), CancellationToken.None);

        Assert.Contains($"status is '{status}'", Assert.IsType<SentinelRuleNotDeployable>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Deploy_OfARuleWithoutATable_IsRefused_WithoutCallingSentinel()
    {
        var deployed = await Sentinel.DeployAsync(Settings with { Pipelines = [] }, RuleId, Rule, CancellationToken.None);

        Assert.Contains("does not start from a table", Assert.IsType<SentinelRuleNotDeployable>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Deploy_OfARuleConvertingToSeveralQueries_IsRefused()
    {
        var twoRules = Rule + "\n---\n" + Rule.Replace("0d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a11", "1d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a12", StringComparison.Ordinal);

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, twoRules, CancellationToken.None);

        Assert.Contains("converts to 2 KQL queries", Assert.IsType<SentinelRuleNotDeployable>(deployed.Error).Message, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Deploy_OfAQuerySentinelCannotRun_QuotesSentinelsReason()
    {
        Server.KnownTables.Remove("DeviceProcessEvents");

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var rejected = Assert.IsType<SentinelRejected>(deployed.Error);
        Assert.Equal((400, "BadRequest"), (rejected.Status, rejected.ArmCode));
        Assert.Contains("Failed to resolve table or column expression named 'DeviceProcessEvents'", rejected.Message, StringComparison.Ordinal);
        Assert.False(rejected.Transient);
    }

    [Fact]
    public async Task Deploy_WithAReaderRole_NamesTheMissingActionAndTheRole()
    {
        var reader = Connection(Server, SentinelTestServer.ReaderClientId, SentinelTestServer.ReaderSecret);

        var deployed = await Sentinel.DeployAsync(reader, RuleId, Rule, CancellationToken.None);

        var forbidden = Assert.IsType<SentinelForbidden>(deployed.Error);
        Assert.Equal(("Microsoft.SecurityInsights/alertRules/write", "Microsoft Sentinel Contributor"), (forbidden.Action, forbidden.Role));
        Assert.Contains("Assign its service principal the Microsoft Sentinel Contributor role", forbidden.Message, StringComparison.Ordinal);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task TestConnection_WithGoodSettings_PassesEveryStep()
    {
        var report = await Sentinel.TestConnectionAsync(Settings, CancellationToken.None);

        Assert.True(report.Succeeded, report.FirstFailure?.Message);
        Assert.Equal(["settings", "authority", "credentials", "resource manager", "workspace", "permission"], report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.True(c.Passed, c.Detail));
        Assert.False(report.Token!.FromCache);
        Assert.True(report.Token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Single(Server.Requests, r => r.Path.EndsWith("/providers/Microsoft.Authorization/permissions", StringComparison.Ordinal) && r.Query == "?api-version=2022-04-01");
    }

    [Fact]
    public async Task TestConnection_NamesTheStepThatFailed()
    {
        var badSecret = await Sentinel.TestConnectionAsync(Settings with { ClientSecret = "Wrong~Secret.0123456789abcdefghijkl" }, CancellationToken.None);
        var reader = await Sentinel.TestConnectionAsync(Connection(Server, SentinelTestServer.ReaderClientId, SentinelTestServer.ReaderSecret), CancellationToken.None);
        var wrongWorkspace = await Sentinel.TestConnectionAsync(Settings with { WorkspaceName = "law-nope" }, CancellationToken.None);
        var untrusted = await Sentinel.TestConnectionAsync(Settings with { Transport = Settings.Transport with { TrustedCaPem = null } }, CancellationToken.None);
        Server.Inject(new SentinelFault(TargetFaultKind.DropConnection) { Host = SentinelHost.Arm });
        var noArm = await Sentinel.TestConnectionAsync(Settings, CancellationToken.None);

        Assert.Equal("credentials", FailedStep(badSecret));
        Assert.Equal("ClientSecret", Assert.IsType<SentinelTokenRefused>(badSecret.FirstFailure).Setting);
        Assert.Equal("permission", FailedStep(reader));
        Assert.Contains("Microsoft.SecurityInsights/alertRules/write, Microsoft.SecurityInsights/alertRules/delete", reader.FirstFailure!.Message, StringComparison.Ordinal);
        Assert.Equal("workspace", FailedStep(wrongWorkspace));
        Assert.Equal("WorkspaceName", Assert.IsType<SentinelWorkspaceNotFound>(wrongWorkspace.FirstFailure).Setting);
        Assert.Equal("authority", FailedStep(untrusted));
        Assert.IsType<Domain.Targets.Http.TargetTlsFailure>(untrusted.FirstFailure);
        Assert.Equal("resource manager", FailedStep(noArm));
        Assert.IsType<Domain.Targets.Http.TargetConnectionLost>(noArm.FirstFailure);
    }

    private static string FailedStep(SentinelConnectionReport report) => Assert.Single(report.Checks, c => !c.Passed).Name;
}
