using System.Diagnostics;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Http;
using CraftedSignal.Domain.Targets.Splunk;
using static CraftedSignal.Tests.Targets.Splunk.SplunkTestKit;

namespace CraftedSignal.Tests.Targets.Splunk;

/// <summary>Each way a Splunk call can fail gives its own error, in bounded time, and never shows a token.</summary>
public sealed class SplunkFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly Guid RuleId = Guid.Parse("7b0e3f0a-4c1d-4a2e-9f3b-5d6c7e8f9a01");
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
    public async Task TooManyRequests_WithRetryAfter_IsWaitedOut_ThenTheCallSucceeds()
    {
        _server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { PathContains = "/saved/searches", Method = "POST", RetryAfterSeconds = 1 });

        var (deployed, elapsed) = await TimedAsync(() => _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None));

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var posts = _server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(posts[1].At - posts[0].At).TotalMilliseconds} ms");
        Assert.True(elapsed < Bound);
        Assert.Single(_server.SavedSearches);
    }

    [Fact]
    public async Task RetryAfter_AsAnHttpDate_IsWaitedOut()
    {
        _server.Inject(new TargetFault(TargetFaultKind.Unavailable) { RetryAfterSeconds = 2, RetryAfterAsDate = true });

        var (health, elapsed) = await TimedAsync(() => _connector.HealthAsync(_connection, CancellationToken.None));

        Assert.True(health.Succeeded, health.Error?.Message);
        var at = _server.Requests.Select(r => r.At).ToList();
        // An HTTP date has whole seconds: "now + 2 s" is 1 to 2 s away when it arrives.
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(0.9), $"retried after {(at[1] - at[0]).TotalMilliseconds} ms");
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task Unavailable_EveryTime_GivesUpAfterTheRetries_AsTransient()
    {
        _server.Inject(new TargetFault(TargetFaultKind.Unavailable) { RetryAfterSeconds = 0, Times = 10 });

        var (deployed, elapsed) = await TimedAsync(() => _connector.DeployAsync(_connection with { Transport = _connection.Transport with { MaxRetries = 2 } }, RuleId, Rule, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(deployed.Error);
        Assert.Equal((503, 3, true), (throttled.Status, throttled.Attempts, throttled.Transient));
        Assert.Equal(3, _server.Requests.Count);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task TooManyRequests_WithoutRetryAfter_BacksOff()
    {
        _server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { Times = 2 });

        var (health, elapsed) = await TimedAsync(() => _connector.HealthAsync(_connection, CancellationToken.None));

        Assert.True(health.Succeeded);
        var at = _server.Requests.Select(r => r.At).ToList();
        Assert.Equal(3, at.Count);
        Assert.True(at[2] - at[1] > at[1] - at[0], "the second wait is longer than the first");
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task RetryAfter_LongerThanTheCallMayWait_EndsTheCallAtOnce_WithTheWait()
    {
        _server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { RetryAfterSeconds = 120 });

        var (health, elapsed) = await TimedAsync(() => _connector.HealthAsync(_connection, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(health.Error);
        Assert.Equal(TimeSpan.FromSeconds(120), throttled.RetryAfter);
        Assert.Contains("asks to wait 120 s", throttled.Message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Cancelling_DuringARetryAfterWait_StopsAtOnce()
    {
        _server.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { RetryAfterSeconds = 4 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _connector.HealthAsync(_connection, cancel.Token));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ServerError_IsTransient_AndQuotesSplunk()
    {
        _server.Inject(new TargetFault(TargetFaultKind.ServerError) { Text = "KV Store is initializing" });

        var deployed = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<SplunkServerError>(deployed.Error);
        Assert.Equal((500, true), (error.Status, error.Transient));
        Assert.Equal("Splunk failed with 500: KV Store is initializing.", error.Message);
    }

    [Fact]
    public async Task AHungSplunk_TimesOut_WithinTheConfiguredTimeout()
    {
        _server.Inject(new TargetFault(TargetFaultKind.Hang) { Delay = TimeSpan.FromSeconds(30) });

        var (deployed, elapsed) = await TimedAsync(() => _connector.DeployAsync(_connection with { Transport = _connection.Transport with { RequestTimeout = TimeSpan.FromSeconds(1) } }, RuleId, Rule, CancellationToken.None));

        var timeout = Assert.IsType<TargetTimeout>(deployed.Error);
        Assert.True(timeout.Transient);
        Assert.Equal("Splunk did not answer creating a saved search within 1 s.", timeout.Message);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), Bound);
    }

    [Fact]
    public async Task MalformedJson_IsReported_NotThrown()
    {
        _server.Inject(new TargetFault(TargetFaultKind.MalformedJson));

        var listed = await _connector.ListAsync(_connection, CancellationToken.None);

        var error = Assert.IsType<TargetMalformedResponse>(listed.Error);
        Assert.False(error.Transient);
        Assert.Contains("not Splunk's JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A50MegabyteBody_IsNotRead_PastTheLimit(bool withContentLength)
    {
        _server.Inject(new TargetFault(TargetFaultKind.HugeBody) { WithContentLength = withContentLength });

        var (listed, elapsed) = await TimedAsync(() => _connector.ListAsync(_connection, CancellationToken.None));

        Assert.Equal(10 * 1024 * 1024, Assert.IsType<TargetResponseTooLarge>(listed.Error).LimitBytes);
        Assert.Contains("larger than 10 MB", listed.Error!.Message, StringComparison.Ordinal);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task ADroppedConnection_IsTransient()
    {
        _server.Inject(new TargetFault(TargetFaultKind.DropConnection));

        var removed = await _connector.RemoveAsync(_connection, RuleId, CancellationToken.None);

        Assert.True(Assert.IsType<TargetConnectionLost>(removed.Error).Transient);
    }

    [Fact]
    public async Task ARedirectToAnotherHost_IsRefused_AndTheTokenNeverGoesThere()
    {
        await using var elsewhere = await RecordingServer.StartAsync();
        _server.Inject(new TargetFault(TargetFaultKind.Redirect) { Location = new Uri(elsewhere.Url, "services/server/info"), Times = 5 });

        var health = await _connector.HealthAsync(_connection, CancellationToken.None);
        var deployed = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        var refused = Assert.IsType<TargetRedirectRefused>(health.Error);
        Assert.True(refused.OtherHost);
        Assert.Equal($"localhost:{elsewhere.Url.Port}", refused.LocationHost);
        Assert.IsType<TargetRedirectRefused>(deployed.Error);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task Unauthorized_SaysTheTokenIsBad()
    {
        var wrongToken = await _connector.HealthAsync(_connection with { Token = "eyJhbGciOiJIUzUxMiJ9.expired-0000000" }, CancellationToken.None);
        _server.Inject(new TargetFault(TargetFaultKind.Unauthorized));
        var rejected = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        Assert.Equal("Splunk rejected the token (401: call not properly authenticated): it is wrong, expired or disabled, or token authentication is off.", wrongToken.Error!.Message);
        Assert.False(Assert.IsType<SplunkUnauthorized>(rejected.Error).Transient);
    }

    [Fact]
    public async Task Forbidden_NamesTheCapabilitySplunkAsksFor()
    {
        _server.Inject(new TargetFault(TargetFaultKind.Forbidden)
        {
            Text = "You (user=svc) do not have permission to perform this operation (requires capability: list_storage_passwords OR admin_all_objects).",
        });

        var deployed = await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None);

        Assert.Equal("list_storage_passwords OR admin_all_objects", Assert.IsType<SplunkForbidden>(deployed.Error).Capability);
    }

    [Fact]
    public async Task AHostThatDoesNotResolve_IsADnsError()
    {
        var (health, elapsed) = await TimedAsync(() => _connector.HealthAsync(_connection with { ManagementUrl = new Uri("https://splunk.invalid:8089") }, CancellationToken.None));

        Assert.Equal("The Splunk host 'splunk.invalid' could not be resolved (DNS): check the URL.", Assert.IsType<TargetHostNotFound>(health.Error).Message);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task APortNothingListensOn_IsConnectionRefused()
    {
        var port = FreePort();

        var health = await _connector.HealthAsync(_connection with { ManagementUrl = new Uri($"https://127.0.0.1:{port}") }, CancellationToken.None);

        var refused = Assert.IsType<TargetConnectionRefused>(health.Error);
        Assert.Equal(port, refused.Port);
        Assert.True(refused.Transient);
    }

    [Fact]
    public async Task ACertificateFromAnUntrustedCa_IsRefused()
    {
        var health = await _connector.HealthAsync(_connection with { Transport = _connection.Transport with { TrustedCaPem = null } }, CancellationToken.None);

        var tls = Assert.IsType<TargetTlsFailure>(health.Error);
        Assert.Contains("its certificate is not trusted", tls.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Requests, r => r.Path == "/services/server/info");
    }

    [Fact]
    public async Task ACertificateForAnotherName_IsRefused_EvenFromTheTrustedCa()
    {
        var health = await _connector.HealthAsync(_connection with { ManagementUrl = new Uri($"https://localhost:{_server.ManagementUrl.Port}") }, CancellationToken.None);

        Assert.Contains("not issued for that host name", Assert.IsType<TargetTlsFailure>(health.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APinnedCertificate_IsAccepted_AndAnyOtherRefused()
    {
        var pinned = _connection with { Transport = _connection.Transport with { TrustedCaPem = null, PinnedCertificateSha256 = string.Join(':', SplunkTestServer.CertificateSha256.Chunk(2).Select(c => new string(c))) } };
        var wrongPin = pinned with { Transport = pinned.Transport with { PinnedCertificateSha256 = new string('A', 64) } };

        var accepted = await _connector.HealthAsync(pinned, CancellationToken.None);
        var refused = await _connector.HealthAsync(wrongPin, CancellationToken.None);

        Assert.True(accepted.Succeeded, accepted.Error?.Message);
        Assert.Contains("is not the pinned one", Assert.IsType<TargetTlsFailure>(refused.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_ThatWouldLeakTheToken_AreRefused_BeforeAnyCall()
    {
        var plainHttp = await _connector.HealthAsync(_connection with { ManagementUrl = new Uri("http://127.0.0.1:8089") }, CancellationToken.None);
        var userInfo = await _connector.HealthAsync(_connection with { ManagementUrl = new Uri("https://admin:changeme@127.0.0.1:8089") }, CancellationToken.None);
        var pathInApp = await _connector.HealthAsync(_connection with { App = "../../services" }, CancellationToken.None);
        var headerInjection = await _connector.HealthAsync(_connection with { Token = "abcdefghijklmnop\r\nX-Evil: 1" }, CancellationToken.None);

        Assert.Contains("unencrypted", Assert.IsType<TargetSettingsInvalid>(plainHttp.Error).Message, StringComparison.Ordinal);
        Assert.Equal("ManagementUrl", Assert.IsType<TargetSettingsInvalid>(userInfo.Error).Field);
        Assert.Equal("App", Assert.IsType<TargetSettingsInvalid>(pathInApp.Error).Field);
        Assert.Equal("Token", Assert.IsType<TargetSettingsInvalid>(headerInjection.Error).Field);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task TheTokens_NeverAppear_InErrorsOrLogs()
    {
        var errors = new List<Error?>();
        _server.Inject(new TargetFault(TargetFaultKind.EchoAuthorization));
        errors.Add((await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None)).Error);
        _server.Inject(new TargetFault(TargetFaultKind.EchoAuthorization) { PathContains = "/services/collector" });
        errors.Add((await _connector.LiveTestAsync(_connection, Rule, [System.Text.Json.JsonSerializer.SerializeToElement(new { a = 1 })], CancellationToken.None)).Error);
        foreach (var kind in new[] { TargetFaultKind.Unauthorized, TargetFaultKind.Forbidden, TargetFaultKind.MalformedJson, TargetFaultKind.DropConnection, TargetFaultKind.ServerError })
        {
            _server.Inject(new TargetFault(kind));
            errors.Add((await _connector.DeployAsync(_connection, RuleId, Rule, CancellationToken.None)).Error);
        }

        _server.Inject(new TargetFault(TargetFaultKind.Hang) { Delay = TimeSpan.FromSeconds(5) });
        errors.Add((await _connector.RemoveAsync(_connection with { Transport = _connection.Transport with { RequestTimeout = TimeSpan.FromSeconds(0.5) } }, RuleId, CancellationToken.None)).Error);
        errors.Add((await _connector.HealthAsync(_connection with { Transport = _connection.Transport with { TrustedCaPem = null } }, CancellationToken.None)).Error);
        errors.Add((await _connector.HealthAsync(_connection with { Token = SplunkTestServer.AdminToken + "x" }, CancellationToken.None)).Error);
        var report = await _connector.TestConnectionAsync(_connection with { HecToken = SplunkTestServer.HecToken.Replace('3', '4') }, CancellationToken.None);

        Assert.All(errors, e => Assert.NotNull(e));
        Assert.Contains(errors, e => e!.Message.Contains("[redacted]", StringComparison.Ordinal));
        var everything = errors.Select(e => e!.Message + " " + e).Concat(_log.Lines).Concat(report.Checks.Select(c => c.Detail))
            .Append(report.ToString()).Append(_connection.ToString()).ToList();
        Assert.NotEmpty(_log.Lines);
        foreach (var secret in new[] { SplunkTestServer.AdminToken, SplunkTestServer.HecToken, SplunkTestServer.HecToken.Replace('3', '4'), "admin-7f3a9c1e5b2d4f60" })
            Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal));
    }

    private static async Task<(T Result, TimeSpan Elapsed)> TimedAsync<T>(Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await call();
        return (result, Stopwatch.GetElapsedTime(started));
    }
}
