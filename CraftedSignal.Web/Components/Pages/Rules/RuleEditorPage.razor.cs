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
/// The rule editor: Monaco with server-side validation as you type, saves as immutable versions,
/// conflict detection against newer saves, lifecycle moves, and a guard against losing unsaved work.
/// </summary>
public sealed partial class RuleEditorPage : IAsyncDisposable
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
    private VersionConflict? _conflict;
    private CancellationTokenSource? _validation;
    private RuleFormat _format = RuleFormat.Sigma;
    private NativeLanguage _language = NativeLanguage.Spl;
    private string _content = NewSigmaTemplate;
    private string _savedContent = NewSigmaTemplate;
    private string? _nativeTitle;
    private string? _message;
    private string _title = "New rule";
    private string? _loadError;
    private int _baseVersion;
    private int _compareFrom;
    private int _compareTo;
    private bool _loaded;
    private bool _canEdit;
    private bool _dirty;
    private bool _saving;

    [Parameter]
    public Guid? RuleId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    private RuleService Rules { get; set; } = default!;

    [Inject]
    private ApprovalService Approvals { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

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
        _ when _dirty => "Save your changes first: reviewers review a saved version.",
        _ => _submitRefusal,
    };

    private string ProblemsTitle => _analysis is { Diagnostics.Count: > 0 } a ? $"Problems ({a.Diagnostics.Count})" : "Problems";

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
        _content = _savedContent = rule.Content;
        _baseVersion = rule.LatestVersion;
        CompareLatestTwo(rule);
        _dirty = false;
        Analyze();
    }

    private StandaloneEditorConstructionOptions EditorOptions(StandaloneCodeEditor editor) => new()
    {
        Value = _content,
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

        _content = await _editor.GetValue();
        await SetDirtyAsync(_content != _savedContent);
        Analyze();
        await PublishMarkersAsync();
        StateHasChanged();
    }

    private void Analyze()
    {
        _analysis = RuleAnalyzer.Analyze(_format, _language, _content, _format == RuleFormat.Native ? NativeMetadataForAnalysis() : null);
        _conversions = _format == RuleFormat.Sigma ? RuleConversions.ConvertAll(_content) : [];
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
        if (_editor is not null && !_dirty)
        {
            _content = format == RuleFormat.Sigma ? NewSigmaTemplate : "";
            _savedContent = _content;
            await _editor.SetValue(_content);
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
            _content = await _editor.GetValue();
            Result<SavedRule> saved = _rule is null
                ? await Rules.CreateAsync(new RuleDraft(_format, _content, _format == RuleFormat.Native ? _language : null, _nativeTitle, _message))
                : await Rules.SaveAsync(_rule.Id, _content, _baseVersion, _message);
            if (!saved.Succeeded)
            {
                if (saved.Error is VersionConflict conflict)
                    _conflict = conflict;
                else
                    Snackbar.Add(saved.Error.Message, Severity.Error);
                return;
            }

            _conflict = null;
            _message = null;
            _savedContent = _content;
            await SetDirtyAsync(false);
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
            _baseVersion = reloaded.Value.LatestVersion;
            CompareLatestTwo(reloaded.Value);
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

    private async Task ShowConflictDiffAsync()
    {
        if (_rule is null || _editor is null)
            return;
        var latest = await Rules.GetAsync(_rule.Id);
        if (!latest.Succeeded)
            return;
        var parameters = new DialogParameters<RuleDiffDialog>
        {
            { d => d.Original, latest.Value.Content },
            { d => d.OriginalLabel, $"Version {latest.Value.LatestVersion} (saved)" },
            { d => d.Modified, await _editor.GetValue() },
            { d => d.ModifiedLabel, "Your changes" },
            { d => d.Changes, _format == RuleFormat.Sigma ? SemanticDiff.Compare(latest.Value.Content, await _editor.GetValue()) : null },
        };
        await Dialogs.ShowAsync<RuleDiffDialog>("Compare", parameters, new DialogOptions { MaxWidth = MaxWidth.ExtraLarge, FullWidth = true });
    }

    private void CompareLatestTwo(RuleDetails rule)
    {
        _compareTo = rule.LatestVersion;
        _compareFrom = Math.Max(1, rule.LatestVersion - 1);
    }

    private async Task CompareVersionsAsync()
    {
        if (_rule is null)
            return;
        var from = await Rules.GetVersionContentAsync(_rule.Id, _compareFrom);
        var to = await Rules.GetVersionContentAsync(_rule.Id, _compareTo);
        if (!from.Succeeded || !to.Succeeded)
            return;
        var parameters = new DialogParameters<RuleDiffDialog>
        {
            { d => d.Original, from.Value },
            { d => d.OriginalLabel, $"Version {_compareFrom}" },
            { d => d.Modified, to.Value },
            { d => d.ModifiedLabel, $"Version {_compareTo}" },
            { d => d.Changes, _format == RuleFormat.Sigma ? SemanticDiff.Compare(from.Value, to.Value) : null },
        };
        await Dialogs.ShowAsync<RuleDiffDialog>($"Version {_compareFrom} → version {_compareTo}", parameters, new DialogOptions { MaxWidth = MaxWidth.ExtraLarge, FullWidth = true });
    }

    private async Task RestoreAsync(int number)
    {
        if (_rule is null || _editor is null)
            return;
        if (_dirty)
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
        {
            Show(latest.Value);
            await _editor.SetValue(_content);
            await SetDirtyAsync(false);
            await PublishMarkersAsync();
        }

        Snackbar.Add(restored.Value.Unchanged ? "That version is already the latest." : $"Version {number} restored as version {restored.Value.Version}.", Severity.Success);
    }

    private async Task SaveOnTopAsync()
    {
        if (_conflict is null)
            return;
        _baseVersion = _conflict.LatestVersion;
        await SaveAsync();
    }

    private async Task DiscardMineAsync()
    {
        if (_rule is null || _editor is null)
            return;
        var latest = await Rules.GetAsync(_rule.Id);
        if (!latest.Succeeded)
            return;
        Show(latest.Value);
        _conflict = null;
        await _editor.SetValue(_content);
        await SetDirtyAsync(false);
        await PublishMarkersAsync();
    }

    private async Task ChangeLifecycleAsync(RuleLifecycle to)
    {
        if (_rule is null)
            return;
        var result = await Rules.ChangeLifecycleAsync(_rule.Id, to);
        if (result.Succeeded)
        {
            Snackbar.Add($"The rule is now {to}.", Severity.Success);
            await ReloadAsync();
        }
        else
        {
            Snackbar.Add(result.Error.Message, Severity.Error);
        }
    }

    private async Task ArchiveAsync()
    {
        if (_rule is null)
            return;
        var confirmed = await Dialogs.ShowMessageBoxAsync("Archive rule",
            $"Archive '{_rule.Title}'? It leaves the library; its {_rule.Versions.Count} version(s), reviews and test runs are kept as evidence, and an Owner or Admin can restore it.",
            yesText: "Archive", cancelText: "Cancel");
        if (confirmed != true)
            return;
        var result = await Rules.ArchiveAsync(_rule.Id);
        if (!result.Succeeded)
        {
            Snackbar.Add(result.Error.Message, Severity.Error);
            return;
        }

        await SetDirtyAsync(false);
        Snackbar.Add("The rule was archived.", Severity.Success);
        Navigation.NavigateTo("/rules");
    }

    private async Task UnarchiveAsync()
    {
        if (_rule is null)
            return;
        var result = await Rules.UnarchiveAsync(_rule.Id);
        if (!result.Succeeded)
        {
            Snackbar.Add(result.Error.Message, Severity.Error);
            return;
        }

        Snackbar.Add("The rule is back in the library, as a draft.", Severity.Success);
        await ReloadAsync();
    }

    private async Task ConfirmLeaveAsync(LocationChangingContext context)
    {
        if (!_dirty)
            return;
        var leave = await Dialogs.ShowMessageBoxAsync("Unsaved changes",
            "You have changes that are not saved. Leave and lose them?", yesText: "Leave", cancelText: "Stay");
        if (leave != true)
            context.PreventNavigation();
    }

    private async Task SetDirtyAsync(bool dirty)
    {
        if (_dirty == dirty)
            return;
        _dirty = dirty;
        await JS.InvokeVoidAsync("sigmaEditor.guardUnload", dirty);
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
