using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Jobs;

/// <summary>
/// A test run's or deployment's status lives on its own row, and every end of it (done, refused, thrown, given up) commits
/// with its work item's: the two never disagree, and nothing is left Running forever.
/// </summary>
public sealed class OperationStatusTests : IAsyncLifetime
{
    private readonly ScriptedConnector _connector = new();
    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";
    private string _reviewer = "";

    public async Task InitializeAsync()
    {
        // First, so it answers for Elastic targets before the real connector does.
        _db = await TestDatabase.CreateAsync(services => services.Insert(0, ServiceDescriptor.Singleton<ITargetConnector>(_connector)));
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _reviewer = await _db.AddUserAsync("rita@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _reviewer, CompanyRole.User);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task ATestRunWhoseWorkGivesUp_EndsAsAnError_AndNoLongerBlocksSubmission()
    {
        var rule = await CreateRuleAsync();
        await _db.PassTestsAsync(_owner, _company, rule);
        Assert.True((await Service<RuleService>(_owner).SaveAsync(rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1)).Succeeded);
        var run = _db.Queue.Enqueued[^1];
        Assert.Contains("still running", await WhyNotSubmittableAsync(rule), StringComparison.Ordinal);

        // Five attempts that each took the process down with them (each restart put the item back in the queue): the next one gives up.
        await using (var db = _db.NewContext())
        {
            var item = await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == run);
            (item.Status, item.Attempts) = (WorkStatus.Queued, WorkRunner.MaxAttempts);
            await db.SaveChangesAsync();
        }

        await _db.RunWorkAsync(run);

        var (work, testRun) = await RowsAsync(run, db => db.TestRuns.SingleAsync(r => r.Id == run));
        Assert.Equal((WorkStatus.Failed, "Gave up after 5 attempts."), (work.Status, work.Error));
        Assert.Equal((TestRunStatus.Error, "Gave up after 5 attempts."), (testRun.Status, testRun.Error));
        Assert.NotNull(testRun.FinishedAt);
        Assert.Equal(TestRunStatus.Error, (await Service<RuleTestService>(_owner).LatestRunAsync(rule)).Value!.Status);
        Assert.Contains("\"status\":\"Error\"", await AuditDetailsAsync(AuditActions.RuleTestRunFinished, rule), StringComparison.Ordinal);
        Assert.Contains("no finished test run", await WhyNotSubmittableAsync(rule), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeploymentTheTargetRefuses_EndsFailed_WithItsWorkItem_AndOneAuditEntry()
    {
        var rule = await ApprovedRuleAsync();
        var target = (await Service<TargetService>(_owner).CreateAsync(ElasticTarget)).Value;
        _connector.Answer = () => new TargetRefused("Elastic says: 403 Forbidden.");

        var id = (await Service<DeploymentService>(_owner).DeployAsync(rule, target)).Value;
        await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id, db => db.Deployments.SingleAsync(d => d.Id == id));
        Assert.Equal((WorkStatus.Failed, "Elastic says: 403 Forbidden."), (work.Status, work.Error));
        Assert.Equal((DeploymentStatus.Failed, "Elastic says: 403 Forbidden.", false), (deployment.Status, deployment.Error, deployment.Live));
        Assert.Null(deployment.CompiledQuery);
        Assert.Contains("403 Forbidden", await AuditDetailsAsync(AuditActions.DeploymentFailed, rule), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeploymentWhoseConnectorThrows_EndsFailed_NotRunning_AndCanBeTriedAgain()
    {
        var rule = await ApprovedRuleAsync();
        var target = (await Service<TargetService>(_owner).CreateAsync(ElasticTarget)).Value;
        _connector.Answer = () => throw new HttpRequestException("Connection refused (elastic.acme.test:9243)");

        var id = (await Service<DeploymentService>(_owner).DeployAsync(rule, target)).Value;
        await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id, db => db.Deployments.SingleAsync(d => d.Id == id));
        Assert.Equal(WorkStatus.Failed, work.Status);
        Assert.Equal((DeploymentStatus.Failed, "Connection refused (elastic.acme.test:9243)"), (deployment.Status, deployment.Error));
        Assert.Single(await AuditEntriesAsync(AuditActions.DeploymentFailed, rule));

        // The failed operation is finished, so a new one may start, and it succeeds once the target answers.
        _connector.Answer = () => "process.name:whoami.exe";
        var again = (await Service<DeploymentService>(_owner).DeployAsync(rule, target)).Value;
        await _db.RunWorkAsync(again);
        var (_, redeployed) = await RowsAsync(again, db => db.Deployments.SingleAsync(d => d.Id == again));
        Assert.Equal((DeploymentStatus.Succeeded, true, "process.name:whoami.exe"), (redeployed.Status, redeployed.Live, redeployed.CompiledQuery));
    }

    private async Task<Guid> CreateRuleAsync() =>
        (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;

    private async Task<Guid> ApprovedRuleAsync()
    {
        var rule = await CreateRuleAsync();
        await _db.PassTestsAsync(_owner, _company, rule);
        var request = (await Service<ApprovalService>(_owner).SubmitAsync(rule)).Value;
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
        return rule;
    }

    private async Task<string?> WhyNotSubmittableAsync(Guid rule) => (await Service<ApprovalService>(_owner).WhyNotSubmittableAsync(rule)).Value;

    private async Task<(WorkItem Work, T Operation)> RowsAsync<T>(Guid id, Func<Domain.Persistence.AppDbContext, Task<T>> operation)
    {
        await using var db = _db.NewContext(Tenant());
        return (await db.WorkItems.SingleAsync(w => w.Id == id), await operation(db));
    }

    private async Task<List<AuditEntry>> AuditEntriesAsync(string action, Guid rule)
    {
        await using var db = _db.NewContext(Tenant());
        return await db.AuditEntries.Where(e => e.Action == action && e.TargetId == rule.ToString()).ToListAsync();
    }

    private async Task<string> AuditDetailsAsync(string action, Guid rule) => (await AuditEntriesAsync(action, rule)).Last().Details!;

    private CurrentTenant Tenant()
    {
        var tenant = new CurrentTenant();
        tenant.Set(_company, _owner, "olivia", null, null);
        return tenant;
    }

    /// <summary>An Elastic target whose settings are valid; the scripted connector never reaches its Kibana.</summary>
    private static readonly TargetInput ElasticTarget = new("Prod Elastic", TargetKind.Elastic)
    {
        Settings = new ElasticTargetSettings { KibanaUrl = "https://kibana.acme.test:5601" },
        Secrets = new Dictionary<string, string> { [ElasticTargetSettings.ApiKeyField] = Convert.ToBase64String("key-id:key-secret-0123456789"u8.ToArray()) },
    };

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();

    /// <summary>
    /// A connector whose answer the test sets: a query, a refusal, or an exception. It answers for Elastic targets in place
    /// of the real connector, so that no Kibana is needed.
    /// </summary>
    private sealed class ScriptedConnector : ITargetConnector
    {
        public Func<Result<string>> Answer { get; set; } = () => "index=main";

        public TargetKind Kind => TargetKind.Elastic;

        public Task<Result<string>> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken) =>
            Task.FromResult(Answer());

        public Task<Result> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken) => Task.FromResult(Result.Ok());

        // Deployments never read back; these tests would fail loudly if one did.
        public Task<Result<DeployedRule?>> ReadAsync(SiemTarget target, Guid ruleId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SiemTarget target, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Result<DeployedComparison>> CompareAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Result<TargetHealth>> HealthAsync(SiemTarget target, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Result<LiveTestResult>> LiveTestAsync(SiemTarget target, string ruleContent, IReadOnlyList<System.Text.Json.JsonElement> events, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
