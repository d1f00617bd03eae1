using CraftedSignal.Domain.Targets.Http;
using CraftedSignal.Domain.Targets.Sentinel;
using static CraftedSignal.Tests.Targets.Sentinel.SentinelTestKit;

namespace CraftedSignal.Tests.Targets.Sentinel;

/// <summary>Entra ID client-credentials tokens: one request for many calls, refreshed before expiry and once after a 401, errors naming the setting.</summary>
public sealed class SentinelTokenTests : SentinelTestBase
{
    [Fact]
    public async Task OneToken_ServesManyCalls()
    {
        Assert.True((await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None)).Succeeded);
        await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);
        await Sentinel.ListAsync(Settings, CancellationToken.None);
        await Sentinel.HealthAsync(Settings, CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None)));
        Assert.True((await Sentinel.RemoveAsync(Settings, RuleId, CancellationToken.None)).Succeeded);

        Assert.Equal(1, Server.TokenRequests);
        var token = Assert.Single(Server.IssuedTokens);
        Assert.All(Server.Requests.Where(r => r.Host == SentinelHost.Arm), r => Assert.Equal($"Bearer {token}", r.Authorization));
        var request = Assert.Single(Server.Requests, r => r.Host == SentinelHost.Authority);
        Assert.Equal($"/{SentinelTestServer.TenantId}/oauth2/v2.0/token", request.Path);
        Assert.Contains("grant_type=client_credentials", request.Body, StringComparison.Ordinal);
        Assert.Contains($"scope={Uri.EscapeDataString(Server.ArmUrl.GetLeftPart(UriPartial.Authority) + "/.default")}", request.Body, StringComparison.Ordinal);
        Assert.Null(request.Authorization);
    }

    [Fact]
    public async Task ManyCallsAtOnce_WithNoTokenYet_MakeOneTokenRequest()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.Hang) { Host = SentinelHost.Authority, Delay = TimeSpan.FromMilliseconds(300) });

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None)));

        Assert.All(reads, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal(1, Server.TokenRequests);
    }

    [Fact]
    public async Task ATokenAboutToExpire_IsReplacedBeforeARMRefusesIt()
    {
        Server.TokenLifetime = TimeSpan.FromSeconds(2);

        await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.9));
        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        Assert.True(read.Succeeded, read.Error?.Message);
        Assert.Equal(2, Server.TokenRequests);
        var arm = Server.Requests.Where(r => r.Host == SentinelHost.Arm && r.Path.EndsWith(RuleId.ToString("D"), StringComparison.Ordinal)).ToList();
        Assert.Equal(2, arm.Count);
        Assert.NotEqual(arm[0].Authorization, arm[1].Authorization);
    }

    [Fact]
    public async Task ATokenARMNoLongerAccepts_IsReplacedOnce_AndTheCallGoesThrough()
    {
        await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);
        Server.RevokeTokens();

        var deployed = await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);

        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        Assert.Equal(2, Server.TokenRequests);
        Assert.Single(Server.Rules);
    }

    [Fact]
    public async Task AnExpiredToken_IsReplacedOnce()
    {
        await Sentinel.DeployAsync(Settings, RuleId, Rule, CancellationToken.None);
        var before = Server.Requests.Count;
        Server.Inject(new SentinelFault(TargetFaultKind.ExpireToken) { Method = "GET" });

        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        Assert.Equal(RuleId, read.Value!.RuleId);
        Assert.Equal(2, Server.TokenRequests);
        var after = Server.Requests.Skip(before).ToList();
        Assert.Equal([SentinelHost.Arm, SentinelHost.Authority, SentinelHost.Arm], after.Select(r => r.Host));
        Assert.NotEqual(after[0].Authorization, after[2].Authorization);
    }

    [Fact]
    public async Task A401ThatPersists_IsUnauthorized_AfterExactlyOneFreshToken()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.Unauthorized) { Times = 5 });

        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        var unauthorized = Assert.IsType<SentinelUnauthorized>(read.Error);
        Assert.Equal("InvalidAuthenticationToken", unauthorized.ArmCode);
        Assert.False(unauthorized.Transient);
        Assert.Equal(2, Server.TokenRequests);
        Assert.Equal(2, Server.Requests.Count(r => r.Host == SentinelHost.Arm));
    }

    [Fact]
    public async Task ATenantDomain_IsAcceptedLikeItsId()
    {
        var read = await Sentinel.ReadDeployedAsync(Settings with { TenantId = SentinelTestServer.TenantDomain }, RuleId, CancellationToken.None);

        Assert.True(read.Succeeded, read.Error?.Message);
        Assert.Equal($"/{SentinelTestServer.TenantDomain}/oauth2/v2.0/token", Assert.Single(Server.Requests, r => r.Host == SentinelHost.Authority).Path);
    }

    [Theory]
    [InlineData("tenant", "TenantId", "AADSTS90002", "knows no tenant")]
    [InlineData("domain", "TenantId", "AADSTS90002", "knows no tenant")]
    [InlineData("client", "ClientId", "AADSTS700016", "no application with client id")]
    [InlineData("secret", "ClientSecret", "AADSTS7000215", "not its Secret ID")]
    [InlineData("expired", "ClientSecret", "AADSTS7000222", "has expired")]
    public async Task EntraRefusals_NameTheSettingThatIsWrong(string wrong, string setting, string code, string explanation)
    {
        var connection = wrong switch
        {
            "tenant" => Settings with { TenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a" },
            "domain" => Settings with { TenantId = "fabrikam.onmicrosoft.com" },
            "client" => Settings with { ClientId = "00000000-1111-4222-8333-444444444444" },
            "secret" => Settings with { ClientSecret = "Not~The.Right-Secret_0123456789abcdef" },
            _ => Connection(Server, SentinelTestServer.ExpiredClientId, SentinelTestServer.ExpiredSecret),
        };

        var (deployed, elapsed) = await Timed.RunAsync(() => Sentinel.DeployAsync(connection, RuleId, Rule, CancellationToken.None));

        var refused = Assert.IsType<SentinelTokenRefused>(deployed.Error);
        Assert.Equal((setting, code), (refused.Setting, refused.AadstsCode));
        Assert.Contains(explanation, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"Check {setting}.", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"Entra ID said: {code}:", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Trace ID", refused.Message, StringComparison.Ordinal);
        Assert.False(refused.Transient);
        Assert.DoesNotContain(Server.Requests, r => r.Host == SentinelHost.Arm);
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task AChangedSecret_NeverReusesTheTokenOfTheOldOne()
    {
        Assert.True((await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None)).Succeeded);

        var withWrongSecret = await Sentinel.ReadDeployedAsync(Settings with { ClientSecret = "Not~The.Right-Secret_0123456789abcdef" }, RuleId, CancellationToken.None);

        Assert.Equal("ClientSecret", Assert.IsType<SentinelTokenRefused>(withWrongSecret.Error).Setting);
        Assert.Equal(2, Server.TokenRequests);
    }

    [Fact]
    public async Task ATokenAnswerThatIsNotJson_IsMalformed_NotThrown()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.MalformedJson) { Host = SentinelHost.Authority });

        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        var malformed = Assert.IsType<TargetMalformedResponse>(read.Error);
        Assert.Equal(SentinelClient.EntraService, malformed.Service);
        Assert.StartsWith("Microsoft Entra ID's answer could not be read", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntraBusy_IsWaitedOut_ThenTheTokenIsIssued()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.TooManyRequests) { Host = SentinelHost.Authority, RetryAfterSeconds = 1 });

        var (read, elapsed) = await Timed.RunAsync(() => Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None));

        Assert.True(read.Succeeded, read.Error?.Message);
        var tokens = Server.Requests.Where(r => r.Host == SentinelHost.Authority).ToList();
        Assert.Equal(2, tokens.Count);
        Assert.True(tokens[1].At - tokens[0].At >= TimeSpan.FromSeconds(0.95), $"retried after {(tokens[1].At - tokens[0].At).TotalMilliseconds} ms");
        Assert.True(elapsed < Bound);
    }

    [Fact]
    public async Task EntraFailing_IsATransientServerError()
    {
        Server.Inject(new SentinelFault(TargetFaultKind.ServerError) { Host = SentinelHost.Authority });

        var read = await Sentinel.ReadDeployedAsync(Settings, RuleId, CancellationToken.None);

        var failed = Assert.IsType<SentinelServerError>(read.Error);
        Assert.Equal((SentinelClient.EntraService, 500, "server_error", true), (failed.Service, failed.Status, failed.Code, failed.Transient));
        Assert.Contains("AADSTS50000", failed.Message, StringComparison.Ordinal);
    }
}
