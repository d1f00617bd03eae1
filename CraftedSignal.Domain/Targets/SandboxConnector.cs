using System.Text.Json;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Targets;

/// <summary>
/// The local sandbox: a deployment compiles the rule with the Sigma engine, exactly as the test runner evaluates it,
/// and keeps it there. Nothing leaves the process, so it is the target every installation has. It evaluates no events, so
/// no time budget applies; it refuses, as the tests do, a rule with more backtracking patterns than the server allows.
/// What it holds is its deployment records, which nothing outside CraftedSignal can change: reading back is reading them.
/// </summary>
public sealed class SandboxConnector(IOptions<EvaluationOptions> options, IDbContextFactory<AppDbContext> contexts) : ITargetConnector
{
    public const string ServiceName = "Sandbox";

    public TargetKind Kind => TargetKind.Sandbox;

    public Task<Result<string>> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken)
    {
        var file = SigmaParser.Parse(ruleContent, "rule.yml");
        var engine = SigmaEngine.Create([file], SigmaEngineOptions.Default with { MaxBacktrackingPatterns = options.Value.MaxBacktrackingPatternsPerRule });
        var error = file.Diagnostics.Concat(engine.Diagnostics).FirstOrDefault(d => d.IsError);
        return Task.FromResult(error is not null || engine.Rules.Count == 0
            ? (Result<string>)new TargetRefused(error?.Message ?? "The rule compiles to nothing the engine can evaluate.")
            : ruleContent);
    }

    /// <summary>A sandbox deployment only compiles the rule, so its preview is the deployment itself.</summary>
    public async Task<Result<string?>> PreviewAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var compiled = await DeployAsync(target, ruleId, ruleContent, Guid.Empty, cancellationToken);
        return compiled.Succeeded ? compiled.Value : compiled.Error;
    }

    /// <summary>The sandbox holds rules as deployment records only: taking one off needs nothing beyond the record.</summary>
    public Task<Result> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken) =>
        Task.FromResult(Result.Ok());

    /// <summary>The Live deployment of the rule on this target: the version running there, as the Sandbox runs it.</summary>
    public async Task<Result<DeployedRule?>> ReadAsync(SiemTarget target, Guid ruleId, CancellationToken cancellationToken)
    {
        var running = await ListAsync(target, ruleId, cancellationToken);
        return running.FirstOrDefault();
    }

    public async Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SiemTarget target, CancellationToken cancellationToken) =>
        await ListAsync(target, null, cancellationToken);

    /// <summary>The Sandbox runs exactly the content it was given, so the only possible difference is another version running.</summary>
    public async Task<Result<DeployedComparison>> CompareAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(target, ruleId, cancellationToken);
        if (read.Value is not { } deployed)
            return new DeployedComparison(null, []);
        return new DeployedComparison(deployed, deployed.Query == ruleContent ? [] : [new FieldDifference("content", ruleContent, deployed.Query)]);
    }

    /// <summary>The Sandbox is this process: it answers while the database does, with its number of sample events.</summary>
    public async Task<Result<TargetHealth>> HealthAsync(SiemTarget target, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var events = await db.SandboxEvents.CountAsync(e => e.CompanyId == target.CompanyId && e.TargetId == target.Id, cancellationToken);
        return new TargetHealth(ServiceName, null, $"{events:N0} sample events", TimeProvider.System.GetElapsedTime(started));
    }

    public Task<Result<LiveTestResult>> LiveTestAsync(SiemTarget target, string ruleContent, IReadOnlyList<JsonElement> events, CancellationToken cancellationToken) =>
        Task.FromResult<Result<LiveTestResult>>(new LiveTestsUnsupported(ServiceName, "it runs the engine the offline tests run, so their results are its results."));

    private async Task<List<DeployedRule>> ListAsync(SiemTarget target, Guid? ruleId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var live = await db.Deployments
            .Where(d => d.CompanyId == target.CompanyId && d.TargetId == target.Id && d.Live && (ruleId == null || d.RuleId == ruleId))
            .Select(d => new { d.Id, d.RuleId, d.CompiledQuery, d.FinishedAt })
            .ToListAsync(cancellationToken);
        return live.Select(d => new DeployedRule(d.RuleId, d.RuleId.ToString("D"), null, d.CompiledQuery, true, d.Id.ToString("N"),
            d.FinishedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null)).ToList();
    }
}
