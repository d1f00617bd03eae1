using System.Diagnostics;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Tests.Infrastructure;

namespace CraftedSignal.Tests.Sigma.Evaluation;

/// <summary>A backtracking match never runs longer than what is left of the evaluation's budget (timed on the real clock: alone).</summary>
[Collection(NotInParallel.Name)]
public sealed class RegexBudgetTests
{
    [Theory]
    [InlineData(5_000, null)]
    [InlineData(200, null)]
    [InlineData(199, 100)]
    [InlineData(60, 50)]
    [InlineData(25, 20)]
    [InlineData(15, 10)]
    [InlineData(3, 10)]
    [InlineData(0, 10)]
    public void TheMatchTimeout_IsTheLongestThatFitsWhatIsLeft(int remainingMs, int? timeoutMs)
    {
        var index = SigmaRegex.ShorterTimeout(TimeSpan.FromMilliseconds(remainingMs));

        Assert.Equal(timeoutMs, index is { } i ? (int)SigmaRegex.ShorterTimeouts[i].TotalMilliseconds : null);
    }

    [Fact]
    public void ABudgetShorterThanTwoMatchTimeouts_IsOverrunByAShortTimeoutAtMost()
    {
        var file = SigmaParser.Parse(SigmaTestRules.Rule("selection:\n    CommandLine|re: '(?=a)(a+)+$'\ncondition: selection"), "rule.yml");
        var engine = SigmaEngine.Create([file]);
        var evt = SigmaEvent.FromJson("{\"CommandLine\": \"" + new string('a', 40) + "!\"}");

        // Each match of this pattern runs into its timeout. With the full 200 ms for every match, a budget of 250 ms
        // would end after the second, at 400 ms; cut to what is left, the second takes 50 ms and the third 10.
        engine.Budget = new EvaluationBudget(TimeProvider.System, TimeSpan.FromMilliseconds(250), "the test's budget");
        var clock = Stopwatch.StartNew();
        var matched = 0;
        try
        {
            for (var i = 0; i < 10; i++)
            {
                matched += engine.Match(evt).Count;
            }
        }
        catch (EvaluationBudgetSpentException)
        {
        }

        clock.Stop();
        Assert.Equal(0, matched);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"stopped after {clock.Elapsed.TotalMilliseconds:0} ms, before the budget was spent");
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(360), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
