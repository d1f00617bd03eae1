using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CraftedSignal.Tests.Components;

/// <summary>
/// A bunit context with MudBlazor, loose JS interop, and the real domain services on a real SQLite file,
/// signed in as a chosen member of a chosen company.
/// </summary>
public sealed class ComponentTestContext : IAsyncLifetime
{
    private BunitAuthorizationContext _authorization = default!;

    public BunitContext Context { get; } = new();

    public TestDatabase Database { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        var services = Context.Services;
        services.AddMudServices();
        services.AddSingleton<TimeProvider>(Database.Clock);
        services.AddSingleton<Domain.Jobs.IWorkQueue>(Database.Queue);
        services.AddCraftedSignalDomain(Database.ConnectionString);
        services.Configure<Domain.Security.MasterSecretOptions>(o => o.MasterSecret = Database.MasterSecret);
        _authorization = Context.AddAuthorization();
        Context.SetRendererInfo(new RendererInfo("Server", true));
    }

    /// <summary>Acts as <paramref name="userId"/> with <paramref name="role"/> in <paramref name="companyId"/>, for the page and its services.</summary>
    public void SignIn(string userId, string email, Guid companyId, CompanyRole role)
    {
        var auth = _authorization;
        auth.SetAuthorized(email);
        auth.SetClaims(
            new Claim(ClaimTypes.NameIdentifier, userId),
            new Claim(TenantClaims.CompanyId, companyId.ToString()),
            new Claim(TenantClaims.Role, role.ToString()));
        auth.SetPolicies(RolePermissions.RolesAllowed(Permission.Administer).Contains(role) ? [Policies.Administer, Policies.View] : [Policies.View]);
        Context.Services.GetRequiredService<CurrentTenant>().Set(companyId, userId, email, role, "127.0.0.1");
    }

    public async Task DisposeAsync()
    {
        await Context.DisposeAsync();
        await Database.DisposeAsync();
    }
}
