using System.Diagnostics;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Http;
using CraftedSignal.Domain.Targets.Sentinel;
using static CraftedSignal.Tests.Targets.Sentinel.SentinelTestKit;

namespace CraftedSignal.Tests.Targets.Sentinel;

/// <summary>Every fault of Entra ID or ARM comes back as its precise error, within a bound, and never carries a secret.</summary>
public sealed class SentinelFaultTests : SentinelTestBase
{
    [Fact]
    public async Task TooManyRequests_WithRetryAfter_IsWaitedOut_ThenTheCallSucceeds()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.TooManyRequests) { Method = "PUT", RetryAfterSeconds = 1 });

        var (deployed, elapsed) = await Timed.RunAsync(() => Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None));

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        var puts = Server.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(2, puts.Count);
        Assert.True(puts[1].At - puts[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(puts[1].At - puts[0].At).TotalMilliseconds} ms");
        Assert.Single(Server.Rules);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task RetryAfter_LongerThanTheCallMayWait_EndsTheCallAtOnce_WithTheWait()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.TooManyRequests) { RetryAfterSeconds = 120 });

        var (read, elapsed) = await Timed.RunAsync(() => Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(read.Error);
        Assert.Equal((SentinelClient.ArmService, 429, TimeSpan.FromSeconds(120), true), (throttled.Service, throttled.Status, throttled.RetryAfter, throttled.Transient));
        Assert.Contains("Azure Resource Manager is busy (429) after 1 attempt(s); it asks to wait 120 s", throttled.Message, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Unavailable_EveryTime_GivesUpAfterTheRetries()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.Unavailable) { RetryAfterSeconds = 0, Times = 10 });

        var (read, elapsed) = await Timed.RunAsync(() => Sentinel.ReadDeployedAsync(Settings with { Transport = Settings.Transport with { MaxRetries = 2 } }, RuleId, CancellationToken.None));

        var throttled = Assert.IsType<TargetThrottled>(read.Error);
        Assert.Equal((503, 3), (throttled.Status, throttled.Attempts));
        Assert.Equal(3, Server.Requests.Count(r => r.Host == SentinelHost.Arm));
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task ServerError_IsTransient_AndQuotesArm()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.ServerError) { Method = "PUT", Text = "The workspace is being migrated." });

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        var error = Assert.IsType<SentinelServerError>(deployed.Error);
        Assert.Equal((500, true), (error.Status, error.Transient));
        Assert.Equal("Azure Resource Manager failed with 500 InternalServerError: The workspace is being migrated..", error.Message);
    }

    [Theory]
    [InlineData(SentinelHost.Arm, SentinelClient.ArmService, "reading an alert rule")]
    [InlineData(SentinelHost.Authority, SentinelClient.EntraService, "requesting a token")]
    public async Task AHungService_TimesOut_WithinTheConfiguredTimeout(SentinelHost host, string service, string operation)
    {
        Server.Inject(new SentinelFault(TargetFaultKind.Hang) { Host = host, Delay = TimeSpan.FromSeconds(30) });

        var (read, elapsed) = await Timed.RunAsync(() => Sentinel.ReadDeployedAsync(Settings with { Transport = Settings.Transport with { RequestTimeout = TimeSpan.FromSeconds(1) } }, RuleId, CancellationToken.None));

        var timeout = Assert.IsType<TargetTimeout>(read.Error);
        Assert.True(timeout.Transient);
        Assert.Equal($"{service} did not answer {operation} within 1 s.", timeout.Message);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), Bound);
    }

    [Fact]
    public async Task MalformedJson_IsReported_NotThrown()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.MalformedJson));

        var listed = await Sentinel.ListAsync(Settings, CancellationToken.None);

        var error = Assert.IsType<TargetMalformedResponse>(listed.Error);
        Assert.False(error.Transient);
        Assert.Contains("not ARM's JSON with a value array", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, SentinelHost.Arm)]
    [InlineData(true, SentinelHost.Arm)]
    [InlineData(false, SentinelHost.Authority)]
    public async Task A50MegabyteBody_IsNotRead_PastTheLimit(bool withContentLength, SentinelHost host)
    {
        Server.Inject(new SentinelFault(TargetFaultKind.HugeBody) { Host = host, WithContentLength = withContentLength });

        var (listed, elapsed) = await Timed.RunAsync(() => Sentinel.ListAsync(Settings, CancellationToken.None));

        Assert.Equal(10 * 1024 * 1024, Assert.IsType<TargetResponseTooLarge>(listed.Error).LimitBytes);
        Assert.Contains("larger than 10 MB", listed.Error!.Message, StringComparison.Ordinal);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task ADroppedConnection_IsTransient()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.DropConnection) { Method = "DELETE" });

        var removed = await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None);

        var lost = Assert.IsType<TargetConnectionLost>(removed.Error);
        Assert.Equal((SentinelClient.ArmService, true), (lost.Service, lost.Transient));
    }

    [Theory]
    [InlineData(SentinelHost.Arm)]
    [InlineData(SentinelHost.Authority)]
    public async Task ARedirectToAnotherHost_IsRefused_AndNoCredentialGoesThere(SentinelHost host)
    {
        await using var elsewhere = await RecordingServer.StartAsync();
        Server.Inject(new SentinelFault(TargetFaultKind.Redirect) { Host = host, Location = new Uri(elsewhere.Url, "steal"), Times = 5 });

        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        var refused = Assert.IsType<TargetRedirectRefused>(read.Error);
        Assert.True(refused.OtherHost);
        Assert.Equal($"localhost:{elsewhere.Url.Port}", refused.LocationHost);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task ANextLinkToAnotherHost_IsNotFollowed_AndTheTokenNeverGoesThere()
    {
        await using var elsewhere = await RecordingServer.StartAsync();
        Server.PageSize = 1;
        Server.Add("One", "Heartbeat | take 1");
        Server.Add("Two", "Heartbeat | take 2");
        Server.Inject(new SentinelFault(TargetFaultKind.ForeignNextLink) { Location = elsewhere.Url });

        var listed = await Sentinel.ListAsync(Settings, CancellationToken.None);

        var refused = Assert.IsType<SentinelForeignNextLink>(listed.Error);
        Assert.Equal($"localhost:{elsewhere.Url.Port}", refused.Host);
        Assert.Empty(elsewhere.Requests);
        Assert.Single(Server.Requests, r => r.Host == SentinelHost.Arm);
    }

    [Fact]
    public async Task Forbidden_NamesTheActionAndTheRole()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.Forbidden) { Method = "DELETE" });

        var removed = await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None);

        var forbidden = Assert.IsType<SentinelForbidden>(removed.Error);
        Assert.Equal(("Microsoft.SecurityInsights/alertRules/delete", "Microsoft Sentinel Contributor", false), (forbidden.Action, forbidden.Role, forbidden.Transient));
    }

    [Fact]
    public async Task AnUntrustedCertificate_IsRefused_BeforeTheSecretIsSent()
    {
        var read = await Sentinel.ReadDeployedAsync(Settings with { Transport = Settings.Transport with { TrustedCaPem = null } }, RuleId, CancellationToken.None);

        var tls = Assert.IsType<TargetTlsFailure>(read.Error);
        Assert.Equal(SentinelClient.EntraService, tls.Service);
        Assert.Contains("its certificate is not trusted", tls.Message, StringComparison.Ordinal);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task AnAuthorityNothingListensOn_IsConnectionRefused()
    {
        var port = LoopbackHttps.FreePort();

        var read = await Sentinel.ReadDeployedAsync(Settings with { AuthorityUrl = new Uri($"https://127.0.0.1:{port}/") }, RuleId, CancellationToken.None);

        Assert.Equal(port, Assert.IsType<TargetConnectionRefused>(read.Error).Port);
    }

    [Fact]
    public async Task Cancelling_DuringARetryAfterWait_StopsAtOnce()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.TooManyRequests) { RetryAfterSeconds = 4 });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sentinel.ReadDeployedAsync(Settings, RuleId, cancel.Token));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData("TenantId")]
    [InlineData("ClientId")]
    [InlineData("ClientSecret")]
    [InlineData("SubscriptionId")]
    [InlineData("ResourceGroup")]
    [InlineData("WorkspaceName")]
    [InlineData("AuthorityUrl")]
    [InlineData("ResourceManagerUrl")]
    [InlineData("PinnedCertificateSha256")]
    [InlineData("QueryFrequency")]
    public async Task Settings_ThatAreWrongOrCouldLeakTheSecret_AreRefused_BeforeAnyCall(string field)
    {
        var bad = field switch
        {
            "TenantId" => Settings with { TenantId = "contoso.onmicrosoft.com/../common" },
            "ClientId" => Settings with { ClientId = "my-app" },
            "ClientSecret" => Settings with { ClientSecret = "abcdefghijklmnop\r\nX-Evil: 1" },
            "SubscriptionId" => Settings with { SubscriptionId = "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/x" },
            "ResourceGroup" => Settings with { ResourceGroup = ".." },
            "WorkspaceName" => Settings with { WorkspaceName = "../law" },
            "AuthorityUrl" => Settings with { AuthorityUrl = new Uri("http://login.microsoftonline.com/") },
            "ResourceManagerUrl" => Settings with { ResourceManagerUrl = new Uri("https://user:pass@management.azure.com/") },
            "PinnedCertificateSha256" => Settings with { Transport = Settings.Transport with { PinnedCertificateSha256 = "AB:CD" } },
            _ => Settings with { QueryFrequency = TimeSpan.FromMinutes(1) },
        };

        var deployed = await Sentinel.DeployAsync(bad, RuleId, Rule, CancellationToken.None);
        var removed = await Sentinel.RemoveAsync(bad, RuleId, CancellationToken.None);
        var report = await Sentinel.TestConnectionAsync(bad, CancellationToken.None);

        Assert.Equal(field, Assert.IsType<TargetSettingsInvalid>(deployed.Error).Field);
        Assert.IsType<TargetSettingsInvalid>(removed.Error);
        Assert.Equal("settings", Assert.Single(report.Checks).Name);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task EndpointsOutsideTheAzureClouds_AreRefused_UnlessAllowedExplicitly()
    {
        var defaults = Settings with { AuthorityUrl = SentinelConnection.PublicAuthority, ResourceManagerUrl = SentinelConnection.PublicResourceManager, AllowCustomEndpoints = false };
        var usGov = defaults with { AuthorityUrl = new Uri("https://login.microsoftonline.us/"), ResourceManagerUrl = new Uri("https://management.usgovcloudapi.net/") };

        var custom = await Sentinel.DeployAsync(Settings with { AllowCustomEndpoints = false }, RuleId, Rule, CancellationToken.None);
        var otherPort = defaults with { AuthorityUrl = new Uri("https://login.microsoftonline.com:8443/") };
        var lookalike = defaults with { ResourceManagerUrl = new Uri("https://management.azure.com.example.net/") };

        Assert.Null(defaults.Problem());
        Assert.Null(usGov.Problem());
        Assert.Equal("https://management.azure.com/.default", defaults.Scope);
        Assert.Contains("the client secret is sent there", Assert.IsType<TargetSettingsInvalid>(custom.Error).Message, StringComparison.Ordinal);
        Assert.Equal("AuthorityUrl", otherPort.Problem()!.Field);
        Assert.Equal("ResourceManagerUrl", lookalike.Problem()!.Field);
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task TheSecretAndTheTokens_NeverAppear_InErrorsLogsOrReports()
    {
        var errors = new List<Error?>();
        Server.Inject(new SentinelFault(TargetFaultKind.EchoAuthorization) { Host = SentinelHost.Authority });
        errors.Add((await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None)).Error);
        Server.Inject(new SentinelFault(TargetFaultKind.EchoAuthorization) { Method = "PUT" });
        errors.Add((await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None)).Error);
        Server.Inject(new SentinelFault(TargetFaultKind.EchoAuthorization) { Method = "DELETE" });
        errors.Add((await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None)).Error);
        foreach (var kind in new[] { TargetFaultKind.Unauthorized, TargetFaultKind.Forbidden, TargetFaultKind.MalformedJson, TargetFaultKind.DropConnection, TargetFaultKind.ServerError })
        {
            Server.Inject(new SentinelFault(kind) { Times = kind == TargetFaultKind.Unauthorized ? 2 : 1 });
            errors.Add((await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None)).Error);
        }

        Server.Inject(new SentinelFault(TargetFaultKind.Hang) { Delay = TimeSpan.FromSeconds(5) });
        errors.Add((await Sentinel.RemoveAsync(Settings with { Transport = Settings.Transport with { RequestTimeout = TimeSpan.FromSeconds(0.5) } }, RuleId, CancellationToken.None)).Error);
        errors.Add((await Sentinel.ReadDeployedAsync(Settings with { Transport = Settings.Transport with { TrustedCaPem = null } }, RuleId, CancellationToken.None)).Error);
        errors.Add((await Sentinel.ReadDeployedAsync(Settings with { ClientSecret = SentinelTestServer.ContributorSecret + "x" }, RuleId, CancellationToken.None)).Error);
        var report = await Sentinel.TestConnectionAsync(Settings with { ClientSecret = SentinelTestServer.ContributorSecret[..^1] }, CancellationToken.None);
        var good = await Sentinel.TestConnectionAsync(Settings, CancellationToken.None);

        Assert.All(errors, e => Assert.NotNull(e));
        var echoed = Assert.IsType<SentinelTokenRefused>(errors[0]);
        Assert.Contains("client_secret=[redacted]", echoed.Message, StringComparison.Ordinal);
        Assert.Contains("Bearer [redacted]", errors[1]!.Message, StringComparison.Ordinal);
        Assert.NotEmpty(Log.Lines);
        Assert.True(good.Succeeded, good.FirstFailure?.Message);
        var everything = errors.Select(e => e!.Message + " " + e).Concat(Log.Lines).Concat(report.Checks.Select(c => c.Detail)).Concat(good.Checks.Select(c => c.Detail))
            .Append(report.ToString()).Append(good.ToString()).Append(Settings.ToString()).ToList();
        var secrets = new[] { SentinelTestServer.ContributorSecret, Uri.EscapeDataString(SentinelTestServer.ContributorSecret), SentinelTestServer.ContributorSecret[..^1], "ijKL=mnOPqrSTuv" }
            .Concat(Server.IssuedTokens).ToList();
        Assert.True(Server.IssuedTokens.Count >= 2);
        foreach (var secret in secrets)
            Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal));
    }
}
