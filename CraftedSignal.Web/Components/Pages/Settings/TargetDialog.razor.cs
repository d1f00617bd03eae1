using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Elastic;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Targets.Splunk;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CraftedSignal.Web.Components.Pages.Settings;

/// <summary>
/// Adds or edits a target (Owners and Admins), or shows it read-only (everyone else): the kind's fields, write-only secrets,
/// the pipeline, and "Test connection" with each step's outcome. The server checks everything again.
/// </summary>
public sealed partial class TargetDialog
{
    private const string PipelinePlaceholder = "name: my mapping\npriority: 20\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: process_path";

    private static readonly HashSet<string> FormFields = new(StringComparer.Ordinal)
    {
        "Name", "Kind", "ManagementUrl", "Token", "App", "Owner", "HecUrl", "HecToken", "TestIndex",
        "TenantId", "ClientId", "ClientSecret", "SubscriptionId", "ResourceGroup", "WorkspaceName", "AuthorityUrl", "ResourceManagerUrl",
        "KibanaUrl", "Space", "ApiKey", "RuleType", "IndexPatterns",
        "TrustedCaPem", "PinnedCertificateSha256", "AllowUnencryptedHttp", "Pipeline", "PipelineYaml",
    };

    private readonly SplunkFields _splunk = new();
    private readonly SentinelFields _sentinel = new();
    private readonly ElasticFields _elastic = new();
    private readonly TrustFields _trust = new();
    private string? _name;
    private TargetKind _kind = TargetKind.Sandbox;
    private bool _readOnly;
    private PipelineMode _pipelineMode;
    private string? _pipeline;
    private string? _pipelineYaml;
    private IReadOnlyList<SecretStatus> _secrets = [];
    private bool _loading = true;
    private bool _saving;
    private bool _testing;
    private string? _field;
    private string? _error;
    private string? _alert;
    private TargetConnectionReport? _report;

    private enum PipelineMode
    {
        None,
        Builtin,
        Pasted,
    }

    [Inject]
    private TargetService Targets { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    /// <summary>The target to edit or show; null adds one.</summary>
    [Parameter]
    public Guid? TargetId { get; set; }

    /// <summary>Owners and Admins edit; everyone else sees the settings read-only, without a secret's controls.</summary>
    [Parameter, EditorRequired]
    public required bool CanEdit { get; set; }

    private DateTime Now => Time.GetUtcNow().UtcDateTime;

    private IReadOnlyList<TargetKind> Kinds => TargetId is null ? Targets.AvailableKinds : [_kind];

    protected override async Task OnInitializedAsync()
    {
        if (TargetId is { } id)
        {
            var details = await Targets.GetAsync(id);
            if (!details.Succeeded)
            {
                _alert = details.Error.Message;
                _loading = false;
                return;
            }

            Load(details.Value);
        }
        else
        {
            _secrets = Statuses(_kind, []);
        }

        _loading = false;
    }

    private void Load(TargetDetails details)
    {
        (_name, _kind, _readOnly, _secrets) = (details.Name, details.Kind, details.ReadOnly, details.Secrets);
        (_pipeline, _pipelineYaml) = (details.Pipeline, details.PipelineYaml);
        _pipelineMode = details.PipelineYaml is not null ? PipelineMode.Pasted : details.Pipeline is not null ? PipelineMode.Builtin : PipelineMode.None;
        if (details.Settings is not { } settings)
            return;
        _trust.Load(settings);
        if (settings is SplunkTargetSettings splunk)
            _splunk.Load(splunk);
        else if (settings is SentinelTargetSettings sentinel)
            _sentinel.Load(sentinel);
        else if (settings is ElasticTargetSettings elastic)
            _elastic.Load(elastic);
    }

    private void KindChanged(TargetKind kind)
    {
        _kind = kind;
        _secrets = Statuses(kind, []);
        (_field, _error) = (null, null);
    }

    private SecretStatus Secret(string field) => _secrets.First(s => s.Field == field);

    private bool Is(string field) => _field == field;

    private string? ErrorFor(string field) => _field == field ? _error : null;

    private async Task SaveAsync()
    {
        _saving = true;
        (_field, _error, _alert) = (null, null, null);
        var input = Input();
        Result saved;
        if (TargetId is { } id)
        {
            saved = await Targets.UpdateAsync(id, input);
        }
        else
        {
            var created = await Targets.CreateAsync(input);
            saved = created.Succeeded ? Result.Ok() : created.Error;
        }

        _saving = false;
        if (saved.Succeeded)
        {
            Dialog.Close(DialogResult.Ok(true));
            return;
        }

        var field = saved.Error is Invalid invalid ? invalid.Field : null;
        if (field is not null && FormFields.Contains(field))
            (_field, _error) = (field, saved.Error.Message);
        else
            _alert = saved.Error.Message;
    }

    private async Task TestAsync()
    {
        if (TargetId is not { } id)
            return;
        (_testing, _report, _alert) = (true, null, null);
        var tested = await Targets.TestConnectionAsync(id);
        _testing = false;
        if (tested.Succeeded)
            _report = tested.Value;
        else
            _alert = tested.Error.Message;
    }

    private TargetInput Input()
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        void Typed(string field, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                secrets[field] = value;
        }

        TargetSettings? settings = _kind switch
        {
            TargetKind.Splunk => _splunk.ToSettings(),
            TargetKind.Sentinel => _sentinel.ToSettings(),
            TargetKind.Elastic => _elastic.ToSettings(),
            _ => null,
        };
        settings = settings is null ? null : _trust.Apply(settings);
        Typed(SplunkTargetSettings.TokenField, _kind == TargetKind.Splunk ? _splunk.Token : null);
        Typed(SplunkTargetSettings.HecTokenField, _kind == TargetKind.Splunk ? _splunk.HecToken : null);
        Typed(SentinelTargetSettings.ClientSecretField, _kind == TargetKind.Sentinel ? _sentinel.ClientSecret : null);
        Typed(ElasticTargetSettings.ApiKeyField, _kind == TargetKind.Elastic ? _elastic.ApiKey : null);

        return new TargetInput(_name ?? "", _kind)
        {
            ReadOnly = _readOnly,
            Settings = settings,
            Pipeline = _kind == TargetKind.Sandbox || _pipelineMode != PipelineMode.Builtin ? null : _pipeline,
            PipelineYaml = _kind == TargetKind.Sandbox || _pipelineMode != PipelineMode.Pasted ? null : _pipelineYaml,
            Secrets = secrets,
        };
    }

    private static IReadOnlyList<SecretStatus> Statuses(TargetKind kind, IReadOnlyList<SecretStatus> stored) =>
        TargetSettings.SecretFieldsOf(kind).Select(f => stored.FirstOrDefault(s => s.Field == f.Name) ?? new SecretStatus(f.Name, f.Label, f.Help, false, null, null)).ToList();

    /// <summary>The Splunk fields as the form edits them; the tokens hold only what is typed now, never a stored value.</summary>
    private sealed class SplunkFields
    {
        public string? ManagementUrl { get; set; }

        public SplunkAuthScheme AuthScheme { get; set; }

        public string? App { get; set; } = "search";

        public string? Owner { get; set; } = "nobody";

        public string? HecUrl { get; set; }

        public string? TestIndex { get; set; }

        public string? Token { get; set; }

        public string? HecToken { get; set; }

        public void Load(SplunkTargetSettings settings)
        {
            (ManagementUrl, AuthScheme, App, Owner) = (settings.ManagementUrl, settings.AuthScheme, settings.App, settings.Owner);
            (HecUrl, TestIndex) = (settings.HecUrl, settings.TestIndex);
        }

        public SplunkTargetSettings ToSettings() => new()
        {
            ManagementUrl = ManagementUrl ?? "",
            AuthScheme = AuthScheme,
            App = App ?? "",
            Owner = Owner ?? "",
            HecUrl = HecUrl,
            TestIndex = TestIndex,
        };
    }

    /// <summary>The Sentinel fields as the form edits them; the client secret holds only what is typed now.</summary>
    private sealed class SentinelFields
    {
        public string? TenantId { get; set; }

        public string? ClientId { get; set; }

        public string? SubscriptionId { get; set; }

        public string? ResourceGroup { get; set; }

        public string? WorkspaceName { get; set; }

        public string? AuthorityUrl { get; set; } = new SentinelTargetSettings().AuthorityUrl;

        public string? ResourceManagerUrl { get; set; } = new SentinelTargetSettings().ResourceManagerUrl;

        public bool AllowCustomEndpoints { get; set; }

        public string? ClientSecret { get; set; }

        public void Load(SentinelTargetSettings settings)
        {
            (TenantId, ClientId, SubscriptionId, ResourceGroup, WorkspaceName) = (settings.TenantId, settings.ClientId, settings.SubscriptionId, settings.ResourceGroup, settings.WorkspaceName);
            (AuthorityUrl, ResourceManagerUrl, AllowCustomEndpoints) = (settings.AuthorityUrl, settings.ResourceManagerUrl, settings.AllowCustomEndpoints);
        }

        public SentinelTargetSettings ToSettings() => new()
        {
            TenantId = TenantId ?? "",
            ClientId = ClientId ?? "",
            SubscriptionId = SubscriptionId ?? "",
            ResourceGroup = ResourceGroup ?? "",
            WorkspaceName = WorkspaceName ?? "",
            AuthorityUrl = AuthorityUrl ?? "",
            ResourceManagerUrl = ResourceManagerUrl ?? "",
            AllowCustomEndpoints = AllowCustomEndpoints,
        };
    }

    /// <summary>The Elastic fields as the form edits them (index patterns comma-separated); the API key holds only what is typed now.</summary>
    private sealed class ElasticFields
    {
        public string? KibanaUrl { get; set; }

        public string? Space { get; set; } = ElasticConnection.DefaultSpace;

        public ElasticRuleType RuleType { get; set; }

        public string? IndexPatterns { get; set; } = string.Join(", ", new ElasticTargetSettings().IndexPatterns);

        public string? ApiKey { get; set; }

        public void Load(ElasticTargetSettings settings) =>
            (KibanaUrl, Space, RuleType, IndexPatterns) = (settings.KibanaUrl, settings.Space, settings.RuleType, string.Join(", ", settings.IndexPatterns));

        public ElasticTargetSettings ToSettings() => new()
        {
            KibanaUrl = KibanaUrl ?? "",
            Space = Space ?? "",
            RuleType = RuleType,
            IndexPatterns = (IndexPatterns ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        };
    }

    /// <summary>The certificate trust every SIEM kind has.</summary>
    private sealed class TrustFields
    {
        public string? TrustedCaPem { get; set; }

        public string? PinnedCertificateSha256 { get; set; }

        public bool AllowUnencryptedHttp { get; set; }

        public void Load(TargetSettings settings) =>
            (TrustedCaPem, PinnedCertificateSha256, AllowUnencryptedHttp) = (settings.TrustedCaPem, settings.PinnedCertificateSha256, settings.AllowUnencryptedHttp);

        public TargetSettings Apply(TargetSettings settings) =>
            settings with { TrustedCaPem = TrustedCaPem, PinnedCertificateSha256 = PinnedCertificateSha256, AllowUnencryptedHttp = AllowUnencryptedHttp };
    }
}
