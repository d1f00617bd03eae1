using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// Loads the master secret when the host starts, so that a missing or unusable one stops the start with its message
/// (and Development's generated one is made, with its warning, at start rather than at the first credential).
/// </summary>
internal sealed class CredentialKeyringCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<CredentialKeyring>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
