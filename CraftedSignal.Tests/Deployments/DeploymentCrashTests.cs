using System.Diagnostics;
using System.Runtime.Versioning;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Tests.Targets;
using CraftedSignal.Tests.Targets.Splunk;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Deployments;

/// <summary>
/// The product's own server process, killed with SIGKILL while a deployment waits on its SIEM, then started again: the
/// deployment ends exactly once, never half-done and unknown. An atomic deployment to a sandbox, Splunk (on loopback, which
/// holds its answer so the kill lands mid-call) and a second sandbox.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class DeploymentCrashTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private SplunkTestServer _splunk = default!;
    private Guid _company;
    private string _owner = "";
    private Guid _rule;
    private Guid _splunkTarget;
    private readonly List<Guid> _sandboxes = [];

    public async Task InitializeAsync()
    {
        _splunk = await SplunkTestServer.StartAsync();
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        var reviewer = await _db.AddUserAsync("rita@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, reviewer, CompanyRole.User);
        _rule = await _db.ApprovedRuleAsync(_owner, reviewer, _company, RuleServiceTests.Whoami);
        _sandboxes.Add((await Service<TargetService>(_owner).CreateAsync("EU sandbox", TargetKind.Sandbox)).Value);
        _sandboxes.Add((await Service<TargetService>(_owner).CreateAsync("US sandbox", TargetKind.Sandbox)).Value);
        _splunkTarget = (await Service<TargetService>(_owner).CreateAsync(_splunk.TargetInput())).Value;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _splunk.DisposeAsync();
    }

    [Fact]
    public async Task KilledWhileATargetHoldsItsAnswer_TheRestartedServerFinishesTheAtomicDeployment_WithOneRuleOnEachTarget()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.Hang) { PathContains = "/saved/searches", Method = "POST", Delay = TimeSpan.FromMinutes(5) });
        var deployed = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_sandboxes[0], _splunkTarget, _sandboxes[1]]) { Atomic = true })).Value!;
        var splunkDeployment = deployed.Deployments[1];

        using (var server = StartServer())
        {
            await WaitForAsync(server, () => Task.FromResult(_splunk.Requests.Any(r => r.Method == "POST" && r.Path.Contains("/saved/searches", StringComparison.Ordinal))),
                "the server to call Splunk");
            server.Kill();
            await server.WaitForExitAsync();
        }

        await using (var db = _db.NewContext())
        {
            var rows = await db.Deployments.IgnoreQueryFilters().ToDictionaryAsync(d => d.Id);
            Assert.Equal(DeploymentStatus.Succeeded, rows[deployed.Deployments[0]].Status);
            Assert.Equal(DeploymentStatus.Running, rows[splunkDeployment].Status);
            Assert.Equal(DeploymentStatus.Queued, rows[deployed.Deployments[2]].Status);
            Assert.Equal(WorkStatus.Running, (await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == splunkDeployment)).Status);
        }

        using (var restarted = StartServer())
        {
            await WaitForAsync(restarted, async () =>
            {
                await using var db = _db.NewContext();
                return await db.Deployments.IgnoreQueryFilters().Where(d => d.BatchId == deployed.BatchId).AllAsync(d => d.Status == DeploymentStatus.Succeeded);
            }, "the atomic deployment to finish after the restart");
            restarted.Kill();
            await restarted.WaitForExitAsync();
        }

        await using (var db = _db.NewContext())
        {
            var rows = await db.Deployments.IgnoreQueryFilters().Where(d => d.BatchId == deployed.BatchId).ToListAsync();
            Assert.Equal(3, rows.Count);
            Assert.All(rows, d => Assert.True(d.Live));
            var succeeded = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == AuditActions.DeploymentSucceeded).CountAsync();
            Assert.Equal(3, succeeded);
        }

        // The retried call updated the saved search the killed one may have made: one rule on Splunk, not two.
        Assert.Single(_splunk.SavedSearches, s => s.Name == $"CraftedSignal-{_rule}");
    }

    /// <summary>The product binary serving on a loopback port over this test's database, as an operator runs it.</summary>
    private Process StartServer()
    {
        var folder = Path.GetDirectoryName(_db.FilePath)!;
        var process = ProductProcess.Start(folder, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Database__DataDirectory"] = folder,
            ["Database__FileName"] = Path.GetFileName(_db.FilePath),
            ["Security__MasterSecret"] = _db.MasterSecret,
        });
        // Drain its output so a full pipe never blocks it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForAsync(Process server, Func<Task<bool>> condition, string what)
    {
        var started = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.False(server.HasExited, $"The server exited (code {(server.HasExited ? server.ExitCode : 0)}) while waiting for {what}.");
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
