using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Testing;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Targets;

/// <summary>
/// The local sandbox: a deployment compiles the rule with the Sigma engine, exactly as the test runner evaluates it,
/// and keeps it there. Nothing leaves the process, so it is the target every installation has. It evaluates no events, so
/// no time budget applies; it refuses, as the tests do, a rule with more backtracking patterns than the server allows.
/// </summary>
public sealed class SandboxConnector(IOptions<EvaluationOptions> options) : ITargetConnector
{
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
}
