using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CraftedSignal.Web.Security;

/// <summary>Scopes a Blazor circuit's <see cref="CurrentTenant"/> from the user the circuit was opened for.</summary>
internal sealed class TenantCircuitHandler(AuthenticationStateProvider authentication, CurrentTenant tenant, IHttpContextAccessor httpContextAccessor)
    : CircuitHandler
{
    private readonly string? _ipAddress = httpContextAccessor.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Apply(await authentication.GetAuthenticationStateAsync());
        authentication.AuthenticationStateChanged += OnAuthenticationStateChanged;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        authentication.AuthenticationStateChanged -= OnAuthenticationStateChanged;
        return Task.CompletedTask;
    }

    private async void OnAuthenticationStateChanged(Task<AuthenticationState> state)
    {
        try
        {
            Apply(await state);
        }
        catch (Exception)
        {
            tenant.Set(null, null, null, null, _ipAddress);
        }
    }

    private void Apply(AuthenticationState state)
    {
        var user = state.User;
        if (user.Identity?.IsAuthenticated == true)
            tenant.Set(user.GetCompanyId(), user.GetUserId(), user.Identity.Name, user.GetCompanyRole(), _ipAddress);
        else
            tenant.Set(null, null, null, null, _ipAddress);
    }
}
