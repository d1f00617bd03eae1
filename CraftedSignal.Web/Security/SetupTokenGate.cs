using System.Net;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Security;

/// <summary>
/// Whether claiming this fresh instance needs the <see cref="SetupToken"/>: yes, unless every address the server is bound
/// to is loopback and no reverse proxy is configured, so that only this machine can reach it (<c>dotnet run</c> on a
/// laptop stays one step). A server that reports no address at all (the in-memory test host) is reachable by nothing.
/// </summary>
internal sealed class SetupTokenGate(IServer server, IOptions<RequestProtectionOptions> options, IServiceProvider services)
{
    public bool Required =>
        options.Value.BehindProxy || !ListensOnLoopbackOnly(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);

    /// <summary>Null when the claim may go ahead with <paramref name="token"/>, else why not.</summary>
    public Error? Check(string? token)
    {
        if (!Required)
            return null;
        if (string.IsNullOrWhiteSpace(token))
            return new SetupTokenRequired();
        return services.GetRequiredService<SetupToken>().Matches(token) ? null : new SetupTokenWrong();
    }

    /// <summary>
    /// True when each of <paramref name="addresses"/> (<c>http://127.0.0.1:5000</c>, <c>http://localhost:5000</c>,
    /// <c>http://[::1]:5000</c>) is loopback. Any host (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>), a name, a Unix socket or a
    /// named pipe is not: it may be reached, or proxied, from elsewhere.
    /// </summary>
    internal static bool ListensOnLoopbackOnly(IEnumerable<string> addresses) => addresses.All(address =>
    {
        var binding = BindingAddress.Parse(address);
        if (binding.IsUnixPipe || binding.IsNamedPipe)
            return false;
        return binding.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(binding.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    });
}

/// <summary>Writes the setup token to the log once the server is listening, while the instance has no Owner and needs it.</summary>
internal sealed class SetupTokenAnnouncer(IServiceProvider services, SetupTokenGate gate, ILogger<SetupTokenAnnouncer> logger) : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!gate.Required)
            return;
        await using var scope = services.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<OnboardingService>().IsClaimedAsync(cancellationToken))
            return;
        var token = services.GetRequiredService<SetupToken>().Value;
        logger.LogWarning("This instance has no Owner yet and can be reached from other machines. Claiming it at /Account/Register needs this one-time setup token: {SetupToken} (also printed by the setup-token verb).", token);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
