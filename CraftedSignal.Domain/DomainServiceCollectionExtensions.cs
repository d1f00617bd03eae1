using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Maintenance;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain;

public static class DomainServiceCollectionExtensions
{
    /// <summary>Registers persistence and every domain service on the database the configuration names.</summary>
    public static IHostApplicationBuilder AddCraftedSignalDomain(this IHostApplicationBuilder builder)
    {
        var contentRoot = builder.Environment.ContentRootPath;
        var connectionString = DatabaseSetup.ResolveConnectionString(builder.Configuration, contentRoot);
        builder.Services.AddCraftedSignalDomain(connectionString, builder.Configuration);

        // A secret file is relative to the content root; only Development may fall back to a generated secret in the data folder.
        var developmentSecret = builder.Environment.IsDevelopment()
            ? Path.Combine(DatabaseSetup.ResolveDataDirectory(builder.Configuration, contentRoot), MasterSecretLoader.DevelopmentFileName)
            : null;
        builder.Services.PostConfigure<MasterSecretOptions>(o =>
        {
            if (!string.IsNullOrWhiteSpace(o.MasterSecretFile))
                o.MasterSecretFile = Path.GetFullPath(o.MasterSecretFile, contentRoot);
            o.DevelopmentSecretFile = developmentSecret;
        });
        builder.Services.AddHostedService<CredentialKeyringCheck>();
        return builder;
    }

    /// <summary>
    /// Registers persistence and every domain service on <paramref name="connectionString"/>. The host, the tests and the
    /// benchmarks all call this; a clock registered before it (tests) is kept, and the host supplies the <see cref="IWorkQueue"/>.
    /// </summary>
    public static IServiceCollection AddCraftedSignalDomain(this IServiceCollection services, string connectionString, IConfiguration? configuration = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<CurrentTenant>();
        services.Configure<IdentityOptions>(AppDbContext.ConfigureIdentitySchema);
        services.AddDbContextFactory<AppDbContext>(options => options.UseSqlite(connectionString), ServiceLifetime.Scoped);

        var evaluation = services.AddOptions<Testing.EvaluationOptions>().ValidateOnStart();
        var work = services.AddOptions<WorkOptions>().ValidateOnStart();
        var sandbox = services.AddOptions<Sandbox.SandboxOptions>().ValidateOnStart();
        var masterSecret = services.AddOptions<MasterSecretOptions>();
        if (configuration is not null)
        {
            masterSecret.Bind(configuration.GetSection(MasterSecretOptions.Section));
            services.Configure<MaintenanceOptions>(configuration.GetSection("Maintenance"));
            evaluation.Bind(configuration.GetSection(Testing.EvaluationOptions.Section));
            work.Bind(configuration.GetSection(WorkOptions.Section));
            sandbox.Bind(configuration.GetSection(Sandbox.SandboxOptions.Section));
        }

        services.AddSingleton<IValidateOptions<Testing.EvaluationOptions>>(new Common.SettingsValidator<Testing.EvaluationOptions>(o => o.Problem()));
        services.AddSingleton<IValidateOptions<WorkOptions>>(new Common.SettingsValidator<WorkOptions>(o => o.Problem()));
        services.AddSingleton<IValidateOptions<Sandbox.SandboxOptions>>(new Common.SettingsValidator<Sandbox.SandboxOptions>(o => o.Problem()));

        services.AddScoped<CompanyService>();
        services.AddScoped<MembershipService>();
        services.AddScoped<InvitationService>();
        services.AddScoped<OnboardingService>();
        services.AddScoped<AuditTrailService>();
        services.AddScoped<AuditVerificationService>();
        services.AddScoped<Dashboard.DashboardService>();
        services.AddScoped<Rules.RuleService>();
        services.AddScoped<Approvals.ApprovalService>();
        services.AddScoped<Rules.RuleLibraryService>();
        services.AddScoped<Rules.AttackCoverageService>();
        services.AddScoped<Rules.RuleTransferService>();
        services.AddScoped<Testing.RuleTestService>();
        services.AddScoped<IWorkHandler, Testing.RuleTestWork>();
        services.AddSingleton<Testing.BacktrackingLimiter>();
        services.AddScoped<Targets.ITargetConnector, Targets.SandboxConnector>();
        // Scoped, as the stored settings and the credential protector they are decrypted with are.
        services.AddScoped<Targets.ITargetConnectionSource<Targets.Splunk.SplunkConnection>, Targets.Settings.StoredConnectionSource<Targets.Settings.SplunkTargetSettings, Targets.Splunk.SplunkConnection>>();
        services.AddScoped<Targets.Splunk.SplunkConnector>();
        services.AddScoped<Targets.ITargetConnector>(provider => provider.GetRequiredService<Targets.Splunk.SplunkConnector>());
        services.AddScoped<Targets.ITargetConnectionTester, Targets.Settings.SplunkConnectionTester>();
        services.AddScoped<Targets.ITargetConnectionSource<Targets.Sentinel.SentinelConnection>, Targets.Settings.StoredConnectionSource<Targets.Settings.SentinelTargetSettings, Targets.Sentinel.SentinelConnection>>();
        services.AddScoped<Targets.Sentinel.SentinelConnector>();
        services.AddScoped<Targets.ITargetConnector>(provider => provider.GetRequiredService<Targets.Sentinel.SentinelConnector>());
        services.AddScoped<Targets.ITargetConnectionTester, Targets.Settings.SentinelConnectionTester>();
        services.AddScoped<Targets.ITargetConnectionSource<Targets.Elastic.ElasticConnection>, Targets.Settings.StoredConnectionSource<Targets.Settings.ElasticTargetSettings, Targets.Elastic.ElasticConnection>>();
        services.AddScoped<Targets.Elastic.ElasticConnector>();
        services.AddScoped<Targets.ITargetConnector>(provider => provider.GetRequiredService<Targets.Elastic.ElasticConnector>());
        services.AddScoped<Targets.ITargetConnectionTester, Targets.Settings.ElasticConnectionTester>();
        services.AddScoped<Targets.TargetService>();
        services.AddScoped<Deployments.DeploymentService>();
        services.AddScoped<IWorkHandler, Deployments.DeploymentWork>();
        services.AddScoped<Sandbox.SandboxService>();
        services.AddScoped<Sandbox.SandboxDemo>();
        services.AddScoped<IWorkHandler, Sandbox.SandboxAlertWork>();
        // The master credential key, derived once from the master secret; a missing secret fails here, with its message.
        services.AddSingleton(provider => CredentialKeyring.Load(
            provider.GetRequiredService<IOptions<MasterSecretOptions>>().Value, generateIfMissing: true, provider.GetRequiredService<ILogger<CredentialKeyring>>()));
        // The key for the Data Protection key ring, TOTP secrets and recovery codes: the same master secret, its own derivation.
        services.AddSingleton(provider => AtRestKey.Load(
            provider.GetRequiredService<IOptions<MasterSecretOptions>>().Value, generateIfMissing: true, provider.GetRequiredService<ILogger<AtRestKey>>()));
        // Only loaded while the instance is unclaimed (see SetupToken).
        services.AddSingleton(provider => SetupToken.Load(
            provider.GetRequiredService<IOptions<MasterSecretOptions>>().Value, generateIfMissing: true, provider.GetRequiredService<ILogger<SetupToken>>()));
        services.AddSingleton(provider => SessionTokenKey.Load(
            provider.GetRequiredService<IOptions<MasterSecretOptions>>().Value, generateIfMissing: true, provider.GetRequiredService<ILogger<SessionTokenKey>>()));
        services.AddScoped<CredentialProtector>();
        services.AddScoped<MasterSecretRotation>();
        services.AddSingleton<WorkNotifier>();
        services.AddSingleton<MembershipNotifier>();
        services.AddSingleton<Identity.SessionNotifier>();
        services.AddScoped<Identity.SessionService>();

        services.AddScoped<WorkScheduler>();
        services.AddScoped<WorkRunner>();
        services.AddScoped<IWorkHandler, CleanupWork>();
        services.AddScoped<IWorkHandler, AuditVerificationWork>();
        services.AddScoped<ICleanupStep, PurgeExpiredInvitations>();
        services.AddScoped<ICleanupStep, PurgeFinishedWork>();
        return services;
    }
}
