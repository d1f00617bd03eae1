using BlazorMonaco;
using BlazorMonaco.Editor;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Components.Pages.Reviews;
using CraftedSignal.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.JSInterop;
using MudBlazor;

namespace CraftedSignal.Web.Components.Pages.Rules;

/// <summary>
/// The rule editor: Monaco with server-side validation as you type, saves as immutable versions, conflict detection
/// against newer saves, lifecycle moves, and a guard against losing unsaved work. It coordinates the panels (problems,
/// queries, tests, deployments, history, details, the conflict banner); what is typed against what is saved is its
/// <see cref="RuleEditorDraft"/>.
/// </summary>
public sealed partial class RuleEditorPage
{
    internal const string EditorId = "rule-editor";
    internal const string NewSigmaTemplate = """
        title: 
        status: experimental
        description: 
        author: 
        tags:
            - attack.
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\example.exe'
            condition: selection
        falsepositives:
            - Unknown
        level: medium

        """;

    private static readonly TimeSpan ValidationPause = TimeSpan.FromMilliseconds(150);

    private StandaloneCodeEditor? _editor;
    private RuleTestsPanel? _testsPanel;
    private RuleDetails? _rule;
    private ReviewRow? _review;
    private string? _submitRefusal;
    private bool _canAdminister;
    private RuleAnalysis? _analysis;
    private IReadOnlyList<RuleConversion> _conversions = [];
    private CancellationTokenSource? _validation;
    private RuleFormat _format = RuleFormat.Sigma;
    private NativeLanguage _language = NativeLanguage.Spl;
    private readonly RuleEditorDraft _draft = new(NewSigmaTemplate);
    private string? _nativeTitle;
    private string _title = "New rule";
    private string? _loadError;
    private bool _loaded;
    private bool _canEdit;
    private bool _saving;

    /// <summary>Whether the browser currently warns before the tab closes (it follows <see cref="RuleEditorDraft.Dirty"/>).</summary>
    private bool _guarded;

    [Parameter]
    public Guid? RuleId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    private string TestsTitle => _rule?.TestStatus switch
    {
        RuleTestStatus.Passing => "Tests ✓",
        RuleTestStatus.Failing => "Tests ✗",
        _ => "Tests",
    };

    /// <summary>Why the latest version cannot go to review now, as the server says (it enforces the same), or null when it can.</summary>
    private string? SubmitBlockedReason => _rule switch
    {
        null => "Save the rule first.",
        _ when _draft.Dirty => "Save your changes first: reviewers review a saved version.",
        _ => _submitRefusal,
    };

    protected override async Task OnParametersSetAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        _canEdit = user?.GetCompanyRole() is { } role && role.Allows(Permission.Author);
        _canAdminister = user?.GetCompanyRole() is { } adminRole && adminRole.Allows(Permission.Administer);
        if (RuleId is { } id)
        {
            var loaded = await Rules.GetAsync(id);
            if (!loaded.Succeeded)
            {
                _loadError = loaded.Error is Domain.Common.NotFound ? "It does not exist in this company, or it was deleted." : loaded.Error.Message;
                _loaded = true;
                return;
            }

            Show(loaded.Value);
            await LoadReviewAsync();
        }
        else if (!_canEdit)
        {
            _loadError = "Your role can view rules but not create them.";
        }
        else
        {
            Analyze();
        }

        _loaded = true;
    }

    private void Show(RuleDetails rule)
    {
        _rule = rule;
        _format = rule.Format;
        _language = rule.Language ?? NativeLanguage.Spl;
        _nativeTitle = rule.Format == RuleFormat.Native ? rule.Title : null;
        _draft.Load(rule.Content, rule.LatestVersion);
        Analyze();
    }

    private StandaloneEditorConstructionOptions EditorOptions(StandaloneCodeEditor editor) => new()
    {
        Value = _draft.Content,
        Language = _format == RuleFormat.Sigma ? "sigma" : "plaintext",
        AutomaticLayout = true,
        Minimap = new EditorMinimapOptions { Enabled = false },
        ScrollBeyondLastLine = false,
        FontSize = 13,
        TabSize = 4,
        InsertSpaces = true,
        ReadOnly = !_canEdit,
        RenderWhitespace = "boundary",
        FixedOverflowWidgets = true,
    };

    private async Task EditorReadyAsync()
    {
        await JS.InvokeVoidAsync("sigmaEditor.register");
        if (_editor is not null)
        {
            await SetEditorLanguageAsync();
            await _editor.AddCommand((int)KeyMod.CtrlCmd | (int)KeyCode.KeyS, args => _ = InvokeAsync(SaveAsync));
        }

        await PublishMarkersAsync();
    }

    private async Task SetEditorLanguageAsync()
    {
        // The model is null until Monaco has created it in the browser (and always in component tests, which have no browser).
        if (_editor is not null && await _editor.GetModel() is { } model)
            await Global.SetModelLanguage(model, _format == RuleFormat.Sigma ? "sigma" : "plaintext");
    }

    private async Task ContentChangedAsync(ModelContentChangedEvent change)
    {
        if (_editor is null)
            return;
        _validation?.Cancel();
        var pause = _validation = new CancellationTokenSource();
        try
        {
            await Task.Delay(ValidationPause, pause.Token);
        }
        catch (TaskCanceledException)
        {
            return;
        }

        _draft.Content = await _editor.GetValue();
        await GuardUnloadAsync();
        Analyze();
        await PublishMarkersAsync();
        StateHasChanged();
    }

    private void Analyze()
    {
        _analysis = RuleAnalyzer.Analyze(_format, _language, _draft.Content, _format == RuleFormat.Native ? NativeMetadataForAnalysis() : null, Evaluation.Value.Validation);
        _conversions = _format == RuleFormat.Sigma ? RuleConversions.ConvertAll(_draft.Content) : [];
        _title = _rule is null && _analysis.Title == "Untitled rule" ? "New rule" : _analysis.Title;
    }

    /// <summary>A native rule's metadata: as saved once the rule exists, the title typed so far while it is new.</summary>
    private NativeMetadata NativeMetadataForAnalysis() => _rule is null
        ? new NativeMetadata(_nativeTitle)
        : new NativeMetadata(_rule.Title, _rule.Description, _rule.Level, _rule.Tags, _rule.References, _rule.FalsePositives);

    private async Task DetailsSavedAsync()
    {
        await ReloadAsync();
        Analyze();
        await PublishMarkersAsync();
    }

    private async Task PublishMarkersAsync()
    {
        if (_analysis is not null && _editor is not null)
            await JS.InvokeVoidAsync("sigmaEditor.setMarkers", EditorId, _analysis.Diagnostics);
    }

    private async Task RevealAsync(RuleDiagnostic problem) =>
        await JS.InvokeVoidAsync("sigmaEditor.reveal", EditorId, problem.Line, problem.Column);

    private async Task FormatChangedAsync(RuleFormat format)
    {
        _format = format;
        if (_editor is not null && !_draft.Dirty)
        {
            _draft.Start(format == RuleFormat.Sigma ? NewSigmaTemplate : "");
            await _editor.SetValue(_draft.Content);
        }

        await SetEditorLanguageAsync();
        Analyze();
        await PublishMarkersAsync();
    }

    private async Task NativeTitleChangedAsync(string? title)
    {
        _nativeTitle = title;
        Analyze();
        await PublishMarkersAsync();
    }

    private async Task SaveAsync()
    {
        if (!_canEdit || _editor is null || _saving)
            return;
        _saving = true;
        try
        {
            _draft.Content = await _editor.GetValue();
            Result<SavedRule> saved = _rule is null
                ? await Rules.CreateAsync(new RuleDraft(_format, _draft.Content, _format == RuleFormat.Native ? _language : null, _nativeTitle, _draft.Message))
                : await Rules.SaveAsync(_rule.Id, _draft.Content, _draft.BaseVersion, _draft.Message);
            if (!saved.Succeeded)
            {
                if (saved.Error is VersionConflict conflict)
                    _draft.Conflicted(conflict);
                else
                    Snackbar.Add(saved.Error.Message, Severity.Error);
                return;
            }

            _draft.Saved(saved.Value.Version);
            await GuardUnloadAsync();
            var analysis = saved.Value.Analysis;
            Snackbar.Add(saved.Value.Unchanged ? "Nothing changed since the last version." :
                analysis.HasErrors ? $"Saved as version {saved.Value.Version} with {analysis.ErrorCount} error(s): it stays a draft until they are fixed."
                : $"Saved as version {saved.Value.Version}.", analysis.HasErrors ? Severity.Warning : Severity.Success);
            if (saved.Value.Created)
            {
                Navigation.NavigateTo($"/rules/{saved.Value.RuleId}");
                return;
            }

            await ReloadAsync();
            if (_testsPanel is not null)
                await _testsPanel.RefreshAsync();
        }
        finally
        {
            _saving = false;
            // Saves also come from the editor's Ctrl+S, outside any Blazor event handler.
            StateHasChanged();
        }
    }

    private async Task ReloadAsync()
    {
        if (_rule is null)
            return;
        var reloaded = await Rules.GetAsync(_rule.Id);
        if (reloaded.Succeeded)
        {
            _rule = reloaded.Value;
            _draft.Rebase(reloaded.Value.LatestVersion);
        }

        await LoadReviewAsync();
    }

    private async Task LoadReviewAsync()
    {
        if (_rule is null)
            return;
        var review = await Approvals.LatestForRuleAsync(_rule.Id);
        _review = review.Succeeded ? review.Value : null;
        var refusal = await Approvals.WhyNotSubmittableAsync(_rule.Id);
        _submitRefusal = refusal.Succeeded ? refusal.Value : refusal.Error.Message;
    }

    /// <summary>A test run finished or the cases changed: the header's test status and the submit button follow.</summary>
    private async Task TestsChangedAsync()
    {
        await ReloadAsync();
        StateHasChanged();
    }

    private async Task SubmitForReviewAsync()
    {
        if (_rule is null || SubmitBlockedReason is not null)
            return;
        var parameters = new DialogParameters<SubmitReviewDialog> { { d => d.RuleId, _rule.Id }, { d => d.Version, _rule.LatestVersion } };
        var dialog = await Dialogs.ShowAsync<SubmitReviewDialog>("Submit for review", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            Snackbar.Add($"Version {_rule.LatestVersion} is waiting for review.", Severity.Success);
            await LoadReviewAsync();
        }
    }

    private async Task<string> EditorContentAsync() => _editor is null ? _draft.Content : await _editor.GetValue();

    private async Task RestoreAsync(int number)
    {
        if (_rule is null || _editor is null)
            return;
        if (_draft.Dirty)
        {
            Snackbar.Add("Save or discard your changes before restoring an old version.", Severity.Warning);
            return;
        }

        var restored = await Rules.RestoreAsync(_rule.Id, number);
        if (!restored.Succeeded)
        {
            Snackbar.Add(restored.Error.Message, Severity.Error);
            return;
        }

        var latest = await Rules.GetAsync(_rule.Id);
        if (latest.Succeeded)
            await ShowInEditorAsync(latest.Value);

        Snackbar.Add(restored.Value.Unchanged ? "That version is already the latest." : $"Version {number} restored as version {restored.Value.Version}.", Severity.Success);
    }

    private async Task SaveOnTopAsync()
    {
        _draft.BuildOnLatest();
        await SaveAsync();
    }

    private async Task DiscardMineAsync()
    {
        if (_rule is null || _editor is null)
            return;
        var latest = await Rules.GetAsync(_rule.Id);
        if (!latest.Succeeded)
            return;
        await ShowInEditorAsync(latest.Value);
    }

    /// <summary>Puts a saved version in the editor in place of whatever was typed.</summary>
    private async Task ShowInEditorAsync(RuleDetails rule)
    {
        Show(rule);
        await _editor!.SetValue(_draft.Content);
        await GuardUnloadAsync();
        await PublishMarkersAsync();
    }

    /// <summary>The rule was archived: whatever was typed is given up, and the page goes back to the library.</summary>
    private async Task LeaveArchivedAsync()
    {
        _draft.Abandon();
        await GuardUnloadAsync();
        Navigation.NavigateTo("/rules");
    }

    private async Task ConfirmLeaveAsync(LocationChangingContext context)
    {
        if (!_draft.Dirty)
            return;
        var leave = await Dialogs.ShowMessageBoxAsync("Unsaved changes",
            "You have changes that are not saved. Leave and lose them?", yesText: "Leave", cancelText: "Stay");
        if (leave != true)
            context.PreventNavigation();
    }

    private async Task GuardUnloadAsync()
    {
        if (_guarded == _draft.Dirty)
            return;
        _guarded = _draft.Dirty;
        await JS.InvokeVoidAsync("sigmaEditor.guardUnload", _guarded);
    }

    private static string LanguageName(NativeLanguage language) => language switch
    {
        NativeLanguage.Spl => "Splunk SPL",
        NativeLanguage.Kql => "Kusto KQL",
        NativeLanguage.Lucene => "Lucene",
        NativeLanguage.Esql => "ES|QL",
        _ => "EQL",
    };

    public async ValueTask DisposeAsync()
    {
        _validation?.Cancel();
        _validation?.Dispose();
        if (!RendererInfo.IsInteractive)
            return;
        try
        {
            await JS.InvokeVoidAsync("sigmaEditor.guardUnload", false);
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; so is the page and its guard.
        }
    }
}
