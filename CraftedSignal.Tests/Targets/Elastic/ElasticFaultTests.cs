using CraftedSignal.Domain.Targets.Elastic;
using CraftedSignal.Domain.Targets.Http;
using static CraftedSignal.Tests.Targets.Elastic.KibanaTestKit;

namespace CraftedSignal.Tests.Targets.Elastic;

/// <summary>Each way a Kibana call can fail gives its own error, in bounded time, and never shows the API key.</summary>
public sealed class ElasticFaultTests : KibanaTestBase
{
    private static readonly string DecodedKeySecret = "ui2lp2axTNmsyakw9tvNnw";

    [Fact]
    public async Task TooManyRequests_WithRetryAfter_IsWaitedOut_ThenTheDeploySucceeds()
    {
        Server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { Method = "POST", RetryAfterSeconds = 1 });

        var (deployed, elapsed) = await Timed.RunAsync(() => Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None));

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var posts = Server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(posts[1].At - posts[0].At).TotalMilliseconds} ms");
        Assert.True(elapsed < Bound);
        Assert.Single(Server.Rules);
    }

    [Fact]
    public async Task RetryAfter_LongerThanTheCallMayWait_EndsTheCallAtOnce_AsThrottled()
    {
        Server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { RetryAfterSeconds = 120 });

        var (deployed, elapsed) = await Timed.RunAsync(() => Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(deployed.Error);
        Assert.Equal((429, TimeSpan.FromSeconds(120), true, "Kibana"), (throttled.Status, throttled.RetryAfter, throttled.Transient, throttled.Service));
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.TotalMilliseconds} ms");
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task Unavailable_EveryTime_GivesUpAfterTheRetries()
    {
        Server.Inject(new TargetFault(TargetFaultKind.Unavailable) { RetryAfterSeconds = 0, Times = 10 });

        var (removed, elapsed) = await Timed.RunAsync(() => Elastic.RemoveAsync(Settings with { Transport = Settings.Transport with { MaxRetries = 2 } }, RuleId, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(removed.Error);
        Assert.Equal((503, 3), (throttled.Status, throttled.Attempts));
        Assert.Equal(3, Server.Requests.Count);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task ServerError_IsTransient_AndQuotesKibana()
    {
        Server.Inject(new TargetFault(TargetFaultKind.ServerError) { Text = "More than one default exception list found on rule" });

        var deployed = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<ElasticServerError>(deployed.Error);
        Assert.Equal(500, error.Status);
        Assert.True(error.Transient);
        Assert.Contains("More than one default exception list found on rule", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unauthorized_IsPermanent_AndSaysTheKeyIsRejected()
    {
        Server.Inject(new TargetFault(TargetFaultKind.Unauthorized));

        var deployed = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<ElasticUnauthorized>(deployed.Error);
        Assert.False(error.Transient);
        Assert.Contains("unable to authenticate with provided credentials", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReadOnlyKey_CannotDeploy_AndThePrivilegeIsNamed()
    {
        var deployed = await Elastic.DeployAsync(Settings with { ApiKey = KibanaTestServer.ReaderKey }, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<ElasticForbidden>(deployed.Error);
        Assert.Equal((KibanaTestServer.RulesPrivilege, "default"), (error.Privilege, error.Space));
        Assert.Contains($"[{KibanaTestServer.RulesPrivilege}]", error.Message, StringComparison.Ordinal);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task Hang_EndsAsATimeout_WithinTheRequestTimeout()
    {
        Server.Inject(new TargetFault(TargetFaultKind.Hang) { Delay = TimeSpan.FromSeconds(30) });

        var (deployed, elapsed) = await Timed.RunAsync(() => Elastic.DeployAsync(Settings with { Transport = Settings.Transport with { RequestTimeout = TimeSpan.FromSeconds(1) } }, RuleId, Rule, CancellationToken.None));

        var timeout = Assert.IsType<TargetTimeout>(deployed.Error);
        Assert.True(timeout.Transient);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"took {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task MalformedJson_IsAnUnreadableAnswer()
    {
        Server.Inject(new TargetFault(TargetFaultKind.MalformedJson));

        var read = await Elastic.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        Assert.IsType<TargetMalformedResponse>(read.Error);
    }

    [Fact]
    public async Task AHugeBody_IsNotRead()
    {
        Server.Inject(new TargetFault(TargetFaultKind.HugeBody));

        var (listed, elapsed) = await Timed.RunAsync(() => Elastic.ListAsync(Settings with { Transport = Settings.Transport with { MaxResponseBytes = 1024 * 1024 } }, CancellationToken.None));

        Assert.IsType<TargetResponseTooLarge>(listed.Error);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task ADroppedConnection_IsLost_AndTransient()
    {
        Server.Inject(new TargetFault(TargetFaultKind.DropConnection));

        var removed = await Elastic.RemoveAsync(Settings, RuleId, CancellationToken.None);

        var lost = Assert.IsType<TargetConnectionLost>(removed.Error);
        Assert.True(lost.Transient);
    }

    [Fact]
    public async Task ARedirect_IsRefused_AndTheKeyNeverGoesToTheOtherHost()
    {
        await using var other = await RecordingServer.StartAsync();
        Server.Inject(new TargetFault(TargetFaultKind.Redirect) { Location = new Uri(other.Url, "api/detection_engine/rules") });

        var deployed = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var refused = Assert.IsType<TargetRedirectRefused>(deployed.Error);
        Assert.True(refused.OtherHost);
        Assert.Empty(other.Requests);
        Assert.Empty(Server.Rules);
    }

    [Fact]
    public async Task NothingListening_IsConnectionRefused()
    {
        var settings = Settings with { KibanaUrl = new Uri($"https://127.0.0.1:{LoopbackHttps.FreePort()}/") };

        var (deployed, elapsed) = await Timed.RunAsync(() => Elastic.DeployAsync(settings, RuleId, Rule, CancellationToken.None));

        Assert.IsType<TargetConnectionRefused>(deployed.Error);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task AnUntrustedCertificate_IsRefused_AndThePinIsAccepted()
    {
        var untrusted = await Elastic.DeployAsync(Settings with { Transport = Settings.Transport with { TrustedCaPem = null } }, RuleId, Rule, CancellationToken.None);
        var pinned = await Elastic.DeployAsync(Settings with { Transport = Settings.Transport with { TrustedCaPem = null, PinnedCertificateSha256 = KibanaTestServer.CertificateSha256 } }, RuleId, Rule, CancellationToken.None);

        Assert.IsType<TargetTlsFailure>(untrusted.Error);
        Assert.True(pinned.Succeeded, pinned.Error?.Message);
    }

    [Fact]
    public async Task AServerEchoingTheHeaders_NeverPutsTheKeyIntoAnErrorOrALogLine()
    {
        Server.Inject(new TargetFault(TargetFaultKind.EchoAuthorization));

        var deployed = await Elastic.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<ElasticServerError>(deployed.Error);
        Assert.Contains("authorization: ApiKey [redacted]", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(Server.Requests[0].Headers["authorization"].Contains(KibanaTestServer.ManagerKey, StringComparison.Ordinal), "the server did get the key");
        foreach (var text in new[] { error.Message, error.ToString(), Settings.ToString() }.Concat(Log.Lines))
        {
            Assert.DoesNotContain(KibanaTestServer.ManagerKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(DecodedKeySecret, text, StringComparison.Ordinal);
        }
    }
}
