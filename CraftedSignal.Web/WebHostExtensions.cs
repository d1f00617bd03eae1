using CraftedSignal.Domain;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Web.Api;
using CraftedSignal.Web.Components;
using CraftedSignal.Web.Components.Account;
using CraftedSignal.Web.Health;
using CraftedSignal.Web.Identity;
using CraftedSignal.Web.Jobs;
using CraftedSignal.Web.Security;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace CraftedSignal.Web;

public static class WebHostExtensions
{
    /// <summary>Registers the domain, identity, jobs and the Blazor UI.</summary>
    public static IHostApplicationBuilder AddCraftedSignalWeb(this IHostApplicationBuilder builder)
    {
        builder.AddCraftedSignalDomain();
        var services = builder.Services;

        services.AddRazorComponents().AddInteractiveServerComponents();
        // Messages appear bottom right, where they never cover a page's own actions (Save sits top right).
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        services.AddHttpContextAccessor();
        services.AddScoped<CircuitHandler, TenantCircuitHandler>();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddAuthorization(options => options.AddCraftedSignalPolicies());
        services.AddScoped<IAuthorizationHandler, InstanceOperatorHandler>();
        services.AddRequestProtection(builder);

        // Argon2id, one instance for the whole process: it owns the bound on concurrent hashes.
        services.AddOptions<PasswordHashingOptions>()
            .Bind(builder.Configuration.GetSection("Security:PasswordHashing"))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasswordHashingOptions>, PasswordHashingOptionsValidator>();
        services.AddSingleton<IPasswordHasher<ApplicationUser>, Argon2idPasswordHasher<ApplicationUser>>();
        services.AddOptions<SignInThrottleOptions>().Bind(builder.Configuration.GetSection(SignInThrottleOptions.SectionName));
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<SignInThrottleAuditor>();
        services.AddHostedService(provider => provider.GetRequiredService<SignInThrottleAuditor>());
        services.AddCraftedSignalRateLimits(builder.Configuration);
        services.AddIdentityCore<ApplicationUser>(options =>
            {
                // Invitations are handed over by an Admin who typed the address, so no confirmation email is needed.
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                // Password and passkey failures are throttled by their source (SignInThrottle); this lockout applies to
                // authenticator and recovery codes, which only someone who knew the password can try.
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager<AuditedSignInManager>()
            .AddUserManager<AuditedUserManager>()
            .AddDefaultTokenProviders();
        services.AddScoped<IUserStore<ApplicationUser>, SealedTokenUserStore>();
        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "craftedsignal.auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.ExpireTimeSpan = TimeSpan.FromHours(12);
            options.SlidingExpiration = true;
            options.LoginPath = "/Account/Login";
            options.AccessDeniedPath = "/Account/AccessDenied";
            // The job dashboard is not part of the app's pages: a member who may not operate the instance gets a plain
            // 403 there (shown as the not-found page), not an invitation to ask for access.
            var redirectToAccessDenied = options.Events.OnRedirectToAccessDenied;
            options.Events.OnRedirectToAccessDenied = context =>
            {
                if (!context.Request.Path.StartsWithSegments("/hangfire", StringComparison.OrdinalIgnoreCase))
                    return redirectToAccessDenied(context);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        // Outside Development every cookie (session, 2FA, external sign-in, antiforgery) is Secure, whatever the request
        // says: behind a TLS-terminating proxy the request the app sees may be plain http. Development serves plain http.
        var secure = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.ConfigureAll<CookieAuthenticationOptions>(options => options.Cookie.SecurePolicy = secure);
        services.AddAntiforgery(options => options.Cookie.SecurePolicy = secure);

        // The cookie names a server-side session row; revoking the row ends the session (Account, Sessions).
        services.AddSingleton<SessionTicketStore>();
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<SessionTicketStore, Domain.Security.SessionTokenKey>((options, store, key) =>
            {
                options.SessionStore = store;
                options.TicketDataFormat = new PasetoSessionCookieFormat(key);
            });

        var dataDirectory = DataDirectory(builder);
        services.AddDataProtection()
            .SetApplicationName("CraftedSignal")
            .PersistKeysToFileSystem(new DirectoryInfo(KeysDirectory(dataDirectory)));
        services.SealDataProtectionKeys();

        // Each host owns its storage (not Hangfire's global one), so that hosts in one process never share jobs.
        services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions()));
        services.AddHangfire((provider, configuration) => configuration
            .UseLogProvider(new HostLogProvider(provider.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((provider, options) =>
        {
            options.WorkerCount = provider.GetRequiredService<IOptions<WorkOptions>>().Value.WorkerCount;
            options.SchedulePollingInterval = TimeSpan.FromSeconds(5);
        });
        services.AddSingleton<IWorkQueue, HangfireWorkQueue>();
        services.AddScoped<WorkItemJob>();
        services.AddScoped<MaintenanceJob>();
        services.AddHostedService<JobsHostedService>();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>Migrates the database, then seals what was stored before it was sealed at rest (Data Protection keys, TOTP secrets, recovery codes).</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await using (db)
        {
            await DatabaseSetup.MigrateAsync(db);
            var key = scope.ServiceProvider.GetRequiredService<Domain.Security.AtRestKey>();
            if (await SealedTokenUserStore.SealStoredAsync(db, key) is > 0 and var sealedTokens)
                app.Logger.LogInformation("Sealed {Count} authenticator keys and recovery codes stored before sealing at rest", sealedTokens);
        }

        DataProtectionAtRest.RetirePlaintextKeys(KeysDirectory(DataDirectory(app)), app.Logger);
    }

    /// <summary>Trusted proxies, trusted origins, instance operators, and the first-run setup token (section "Security").</summary>
    private static void AddRequestProtection(this IServiceCollection services, IHostApplicationBuilder builder)
    {
        services.AddOptions<RequestProtectionOptions>()
            .Bind(builder.Configuration.GetSection(RequestProtectionOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RequestProtectionOptions>>(new Domain.Common.SettingsValidator<RequestProtectionOptions>(o => o.Problem()));

        // X-Forwarded-For and -Proto only from a configured proxy. The framework's defaults trust loopback, and empty
        // lists would trust every peer: with no proxy configured, no forwarded header is honoured at all.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<RequestProtectionOptions>>((forwarded, protection) =>
        {
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            if (!protection.Value.BehindProxy)
            {
                forwarded.ForwardedHeaders = ForwardedHeaders.None;
                return;
            }

            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = protection.Value.ForwardLimit;
            foreach (var address in protection.Value.ProxyAddresses())
                forwarded.KnownProxies.Add(address);
            foreach (var network in protection.Value.ProxyNetworks())
                forwarded.KnownIPNetworks.Add(network);
        });

        services.AddSingleton<SetupTokenGate>();
        services.AddHostedService<SetupTokenAnnouncer>();
    }

    /// <summary>The request pipeline and endpoints.</summary>
    public static WebApplication UseCraftedSignal(this WebApplication app)
    {
        // First, so that everything after it (HSTS, cookies, the CSRF check, the audit) sees the client's address and scheme.
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (!app.Environment.IsDevelopment())
            app.UseMiddleware<HttpsOnlyMiddleware>();
        app.UseMiddleware<CrossSiteRequestMiddleware>();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot-assets")),
            RequestPath = "/assets",
        });
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<TenantMiddleware>();
        app.UseMiddleware<MfaEnrolmentMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            // The policy below is the gate; the dashboard is read-only because work is driven by the rows, not by Hangfire.
            Authorization = [],
            IsReadOnlyFunc = _ => true,
            DisplayStorageConnectionString = false,
            AppPath = "/",
        }).RequireAuthorization(Policies.OperateInstance);

        // Public by design: the framework's scripts and the styles of the sign-in page. Pages opt out with [AllowAnonymous].
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().Add(BlazorFrameworkIsPublic);
        app.MapAdditionalIdentityEndpoints();
        app.MapTenancyEndpoints();
        app.MapRuleEndpoints();
        app.MapCoverageEndpoints();
        return app;
    }

    private static string KeysDirectory(string dataDirectory) => Path.Combine(dataDirectory, "keys");

    private static string DataDirectory(WebApplication app) => DatabaseSetup.ResolveDataDirectory(app.Configuration, app.Environment.ContentRootPath);

    /// <summary>
    /// The circuit's hub (<c>/_blazor</c>) and the framework's own endpoints (<c>/_framework</c>) carry no page: the page a
    /// circuit renders is authorized when it is rendered, against the circuit's user.
    /// </summary>
    private static void BlazorFrameworkIsPublic(EndpointBuilder endpoint)
    {
        if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } pattern }
            && pattern.TrimStart('/') is var path && (path.StartsWith("_blazor", StringComparison.Ordinal) || path.StartsWith("_framework", StringComparison.Ordinal)))
            endpoint.Metadata.Add(new AllowAnonymousAttribute());
    }

    private static string DataDirectory(IHostApplicationBuilder builder)
    {
        var path = DatabaseSetup.ResolveDataDirectory(builder.Configuration, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(path);
        return path;
    }
}
