using System.Text.Json.Nodes;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Elastic;
using static CraftedSignal.Tests.Targets.Elastic.KibanaTestKit;

namespace CraftedSignal.Tests.Targets.Elastic;

/// <summary>The Elastic Security connector against a loopback Kibana: what it writes, where, and how often.</summary>
public sealed class ElasticConnectorTests : KibanaTestBase
{
    [Theory]
    [InlineData(ElasticRuleType.Query, "query", "lucene")]
    [InlineData(ElasticRuleType.Eql, "eql", "eql")]
    [InlineData(ElasticRuleType.Esql, "esql", "esql")]
    public async Task Deploy_CreatesExactlyOneRule_WithTheBodyOfItsType(ElasticRuleType type, string typeName, string language)
    {
        var settings = Settings with { RuleType = type };

        var deployed = await Elastic.DeployAsync(settings, RuleId, Rule, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        Assert.Equal(ElasticSaveOutcome.Created, deployed.Value.Outcome);
        var rule = Assert.Single(Server.Rules);
        var body = rule.Body;
        Assert.Equal(("default", $"craftedsignal-{RuleId:D}"), (rule.Space, rule.RuleId));
        Assert.Equal(rule.Id, deployed.Value.Id);
        Assert.Equal((typeName, language), ((string?)body["type"], (string?)body["language"]));
        Assert.Equal(deployed.Value.Query, (string?)body["query"]);
        Assert.Contains("whoami.exe", deployed.Value.Query, StringComparison.Ordinal);
        Assert.Equal("Whoami Execution", (string?)body["name"]);
        Assert.Equal(RuleId, TargetMarker.RuleIdOf((string?)body["description"]));
        Assert.Equal((73, "high"), ((int)body["risk_score"]!, (string?)body["severity"]));
        Assert.Equal(("5m", "now-6m", true, 100), ((string?)body["interval"], (string?)body["from"], (bool)body["enabled"]!, (int)body["max_signals"]!));
        Assert.Equal(["CraftedSignal", "attack.discovery", "attack.t1033", "attack.privilege_escalation", "attack.t1548.002", "attack.g0007"], body["tags"]!.AsArray().Select(t => (string)t!));
        if (type == ElasticRuleType.Esql)
        {
            Assert.False(body.ContainsKey("index"));
            Assert.StartsWith("from logs-*, winlogbeat-* metadata", deployed.Value.Query, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(["logs-*", "winlogbeat-*"], body["index"]!.AsArray().Select(i => (string)i!));
        }

        var threat = body["threat"]!.AsArray();
        Assert.Equal(["TA0007", "TA0004"], threat.Select(t => (string)t!["tactic"]!["id"]!));
        Assert.Equal("MITRE ATT&CK", (string?)threat[0]!["framework"]);
        Assert.Equal(("Discovery", "https://attack.mitre.org/tactics/TA0007/"), ((string?)threat[0]!["tactic"]!["name"], (string?)threat[0]!["tactic"]!["reference"]));
        var discovery = Assert.Single(threat[0]!["technique"]!.AsArray())!;
        Assert.Equal(("T1033", "System Owner/User Discovery", "https://attack.mitre.org/techniques/T1033/"), ((string?)discovery["id"], (string?)discovery["name"], (string?)discovery["reference"]));
        var elevation = Assert.Single(threat[1]!["technique"]!.AsArray())!;
        Assert.Equal("T1548", (string?)elevation["id"]);
        var sub = Assert.Single(elevation["subtechnique"]!.AsArray())!;
        Assert.Equal(("T1548.002", "https://attack.mitre.org/techniques/T1548/002/"), ((string?)sub["id"], (string?)sub["reference"]));

        var post = Assert.Single(Server.Requests, r => r.Method == "POST");
        Assert.Equal("/api/detection_engine/rules", post.Path);
        Assert.Equal(("true", "2023-10-31", $"ApiKey {KibanaTestServer.ManagerKey}"), (post.Headers["kbn-xsrf"], post.Headers["elastic-api-version"], post.Headers["authorization"]));
    }

    [Fact]
    public async Task DeployingAgain_UpdatesTheSameRule_WithTheNextRevision()
    {
        var first = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var before = Assert.Single(Server.Rules);

        var second = await Elastic.DeployAsync(Settings, RuleId, RuleWith(@"\quser.exe", level: "critical"), CancellationToken.None);

        Assert.True(second.Succeeded, second.Error?.Message);
        Assert.Equal((ElasticSaveOutcome.Created, 0), (first.Value!.Outcome, first.Value.Revision));
        Assert.Equal((ElasticSaveOutcome.Updated, 1), (second.Value.Outcome, second.Value.Revision));
        var after = Assert.Single(Server.Rules);
        Assert.Equal((before.Id, before.RuleId), (after.Id, after.RuleId));
        Assert.Equal(1, after.Revision);
        Assert.True(after.UpdatedAt > before.UpdatedAt);
        Assert.Contains("quser.exe", (string?)after.Body["query"], StringComparison.Ordinal);
        Assert.Equal((99, "critical"), ((int)after.Body["risk_score"]!, (string?)after.Body["severity"]));
        Assert.Equal(["POST", "POST", "PUT"], Server.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task ARetry_AfterTheAnswerToTheCreateWasLost_DoesNotDuplicateTheRule()
    {
        Server.Inject(new TargetFault(TargetFaultKind.DropAfterHandling) { Method = "POST" });

        var lost = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var retried = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<CraftedSignal.Domain.Targets.Http.TargetConnectionLost>(lost.Error);
        Assert.True(error.Transient);
        Assert.True(retried.Succeeded, retried.Error?.Message);
        Assert.Equal(ElasticSaveOutcome.Updated, retried.Value.Outcome);
        Assert.Single(Server.Rules);
    }

    [Fact]
    public async Task Remove_DeletesTheRule_AndRemovingAgainSucceeds()
    {
        await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.Seed("default", new JsonObject { ["name"] = "Theirs", ["type"] = "query", ["tags"] = new JsonArray("SOC") });

        var removed = await Elastic.RemoveAsync(Settings, RuleId, CancellationToken.None);
        var again = await Elastic.RemoveAsync(Settings, RuleId, CancellationToken.None);

        Assert.True(removed.Succeeded, removed.Error?.Message);
        Assert.True(again.Succeeded, again.Error?.Message);
        Assert.Equal("Theirs", (string?)Assert.Single(Server.Rules).Body["name"]);
        var deletes = Server.Requests.Where(r => r.Method == "DELETE").ToList();
        Assert.Equal(2, deletes.Count);
        Assert.All(deletes, d => Assert.Equal($"?rule_id=craftedsignal-{RuleId:D}", d.Query));
    }

    [Fact]
    public async Task Remove_InASpaceThatDoesNotExist_IsAClearError_NotSuccess()
    {
        var removed = await Elastic.RemoveAsync(Settings with { Space = "no-such-space" }, RuleId, CancellationToken.None);

        var error = Assert.IsType<ElasticSpaceNotFound>(removed.Error);
        Assert.Contains("no-such-space", error.Message, StringComparison.Ordinal);
        Assert.False(error.Transient);
        Assert.Equal(["/s/no-such-space/api/detection_engine/rules", "/api/spaces/space/no-such-space"], Server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task ASpace_PutsEveryRulePathUnderIt_AndTheRuleInIt()
    {
        var soc = Settings with { Space = "soc" };

        var deployed = await Elastic.DeployAsync(soc, RuleId, Rule, CancellationToken.None);
        var read = await Elastic.ReadDeployedAsync(soc, RuleId, CancellationToken.None);
        var inDefault = await Elastic.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        Assert.Equal("soc", Assert.Single(Server.Rules).Space);
        Assert.Equal(deployed.Value.Id, read.Value!.Id);
        Assert.True(inDefault.Succeeded);
        Assert.Null(inDefault.Value);
        Assert.All(Server.Requests.Take(2), r => Assert.StartsWith("/s/soc/api/detection_engine/rules", r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListDeployed_PagesBeyondOnePage_AndListsOnlyOurs()
    {
        var settings = Settings with { PageSize = 2 };
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
            Assert.True((await Elastic.DeployAsync(settings, id, Rule, CancellationToken.None)).Succeeded);
        Server.Seed("default", new JsonObject { ["name"] = "Theirs", ["type"] = "query", ["tags"] = new JsonArray("SOC") });
        // Tagged like ours but with someone else's rule_id and no marker: not ours.
        Server.Seed("default", new JsonObject { ["name"] = "Copy", ["type"] = "query", ["tags"] = new JsonArray("CraftedSignal"), ["description"] = "copied" });

        var listed = await Elastic.ListAsync(settings, CancellationToken.None);

        Assert.True(listed.Succeeded, listed.Error?.Message);
        Assert.Equal(ids.Order(), listed.Value.Select(r => r.RuleId).Order());
        var finds = Server.Requests.Where(r => r.Path.EndsWith("/_find", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, finds.Count);
        Assert.Contains("page=3", finds[2].Query, StringComparison.Ordinal);
        Assert.Contains("per_page=2", finds[2].Query, StringComparison.Ordinal);
        Assert.Contains("filter=alert.attributes.tags%3A%22CraftedSignal%22", finds[0].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ReportsRevisionUpdatedAtAndTheLastExecution()
    {
        await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        Server.RecordExecution("default", $"craftedsignal-{RuleId:D}", "failed", "index_not_found_exception: no such index [winlogbeat-*]");

        var health = await Elastic.ReadAsync(Settings, RuleId, CancellationToken.None);
        var missing = await Elastic.ReadAsync(Settings, Guid.NewGuid(), CancellationToken.None);

        Assert.True(health.Succeeded, health.Error?.Message);
        Assert.Equal((true, "0"), (health.Value!.Enabled, health.Value.ChangeMarker));
        Assert.Equal(Server.Rules[0].UpdatedAt, health.Value.ModifiedAt);
        Assert.Equal("failed", health.Value.LastExecution!.Status);
        Assert.Contains("index_not_found_exception", health.Value.LastExecution.Message, StringComparison.Ordinal);
        Assert.True(missing.Succeeded);
        Assert.Null(missing.Value);
    }

    [Fact]
    public async Task Compare_ShowsAnEditMadeInKibana_AsDrift_ARevertAsDeployed_AndADeletionAsMissing()
    {
        var elastic = (ITargetConnector)Elastic;
        var target = new SiemTarget { Name = "Prod Elastic", Kind = TargetKind.Elastic };
        var deployed = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var ruleId = deployed.Value!.RuleId;
        var asDeployed = await elastic.CompareAsync(target, RuleId, Rule, CancellationToken.None);
        Server.Edit("default", ruleId, "query", "process.name:*");
        Server.Edit("default", ruleId, "tags", new JsonArray([.. deployed.Value.Spec.Tags.Reverse().Select(t => (JsonNode)t)]));

        var drifted = await elastic.CompareAsync(target, RuleId, Rule, CancellationToken.None);
        Server.Edit("default", ruleId, "query", deployed.Value.Query);
        var reverted = await elastic.CompareAsync(target, RuleId, Rule, CancellationToken.None);
        Server.Delete("default", ruleId);
        var deleted = await elastic.CompareAsync(target, RuleId, Rule, CancellationToken.None);

        Assert.True(asDeployed.Value!.AsDeployed, string.Join("; ", asDeployed.Value.Differences));
        Assert.Equal(["query"], drifted.Value!.Differences.Select(d => d.Field));
        Assert.Equal("\"process.name:*\"", drifted.Value.Differences[0].Actual);
        Assert.Equal(("0", "2"), (asDeployed.Value.Deployed!.ChangeMarker, drifted.Value.Deployed!.ChangeMarker));
        Assert.True(reverted.Value!.AsDeployed);
        Assert.True(deleted.Value!.Missing);
    }

    [Fact]
    public async Task Health_IsKibanasStatus()
    {
        var health = await ((ITargetConnector)Elastic).HealthAsync(new SiemTarget { Name = "Prod Elastic", Kind = TargetKind.Elastic }, CancellationToken.None);

        Assert.Equal("Elastic Security", health.Value!.Service);
        Assert.NotNull(health.Value.Version);
        Assert.True(health.Value.RoundTrip > TimeSpan.Zero);
    }

    [Fact]
    public async Task LiveTests_AreRefused_AsNotBuiltForElastic()
    {
        var tested = await ((ITargetConnector)Elastic).LiveTestAsync(new SiemTarget { Name = "Prod Elastic", Kind = TargetKind.Elastic }, Rule,
            [System.Text.Json.JsonSerializer.SerializeToElement(new { Image = "whoami.exe" })], CancellationToken.None);

        Assert.IsType<LiveTestsUnsupported>(tested.Error);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Deploy_ThroughTheTargetInterface_ReturnsTheQuery()
    {
        var target = new SiemTarget { Name = "Prod Elastic", Kind = TargetKind.Elastic };

        var deployed = await ((ITargetConnector)Elastic).DeployAsync(target, RuleId, Rule, Guid.NewGuid(), CancellationToken.None);
        var removed = await ((ITargetConnector)Elastic).RemoveAsync(target, RuleId, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(TargetKind.Elastic, Elastic.Kind);
        Assert.Contains("whoami.exe", deployed.Value, StringComparison.Ordinal);
        Assert.True(removed.Succeeded);
        Assert.Empty(Server.Rules);
    }

    [Theory]
    [InlineData("deprecated")]
    [InlineData("unsupported")]
    public async Task ARuleNotMeantToRun_IsRefused_BeforeAnyRequest(string status)
    {
        var deployed = await Elastic.DeployAsync(Settings, RuleId, RuleWith(@"\whoami.exe", status: status), CancellationToken.None);

        Assert.IsType<ElasticRuleNotDeployable>(deployed.Error);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task KibanasValidationMessage_ComesBackInTheError()
    {
        var spec = ElasticConnector.Compile(Settings, RuleId, Rule).Value! with { Name = " ", RiskScore = 101 };
        using var client = ElasticClient.Create(Settings).Value!;

        var saved = await client.SaveRuleAsync(spec, CancellationToken.None);

        var error = Assert.IsType<ElasticRejected>(saved.Error);
        Assert.Equal(400, error.Status);
        Assert.Contains("[request body]: name: String must contain at least 1 character(s), risk_score: Number must be less than or equal to 100", error.Message, StringComparison.Ordinal);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task TestConnection_PassesEveryStep_WithTheManagerKey()
    {
        var report = await Elastic.TestConnectionAsync(Settings with { Space = "soc" }, CancellationToken.None);

        Assert.True(report.Succeeded, report.FirstFailure?.Message);
        Assert.Equal(["settings", "kibana", "api key", "space", "privilege"], report.Checks.Select(c => c.Name));
        Assert.Equal(KibanaTestServer.Version, report.Status!.Version);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task TestConnection_WithAReadOnlyKey_FailsAtThePrivilege_NamingIt()
    {
        var report = await Elastic.TestConnectionAsync(Settings with { ApiKey = KibanaTestServer.ReaderKey }, CancellationToken.None);

        var failed = Assert.Single(report.Checks, c => !c.Passed);
        Assert.Equal("privilege", failed.Name);
        var error = Assert.IsType<ElasticForbidden>(report.FirstFailure);
        Assert.Equal(KibanaTestServer.RulesPrivilege, error.Privilege);
    }

    [Fact]
    public async Task TestConnection_WithAnUnknownKey_FailsAtTheKey_AfterReachingKibana()
    {
        var report = await Elastic.TestConnectionAsync(Settings with { ApiKey = KibanaTestServer.Encode("unknown-id-000000", "not-a-real-key-at-all") }, CancellationToken.None);

        Assert.Equal([("settings", true), ("kibana", true), ("api key", false)], report.Checks.Select(c => (c.Name, c.Passed)));
        Assert.IsType<ElasticUnauthorized>(report.FirstFailure);
    }

    [Fact]
    public async Task TestConnection_WithAMissingSpace_FailsAtTheSpace()
    {
        var report = await Elastic.TestConnectionAsync(Settings with { Space = "red-team" }, CancellationToken.None);

        Assert.Equal("space", Assert.Single(report.Checks, c => !c.Passed).Name);
        Assert.IsType<ElasticSpaceNotFound>(report.FirstFailure);
    }
}
