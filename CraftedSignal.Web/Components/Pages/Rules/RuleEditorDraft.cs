using CraftedSignal.Domain.Rules;

namespace CraftedSignal.Web.Components.Pages.Rules;

/// <summary>
/// What the rule editor holds against what is saved: the content as typed, the content of the version it started from,
/// that version's number (a save on a stale base is a conflict), the conflict when one happened, and the author's note
/// for the next version.
/// </summary>
public sealed class RuleEditorDraft(string content)
{
    public string Content { get; set; } = content;

    public string SavedContent { get; private set; } = content;

    /// <summary>The version the edits build on; 0 for a rule not saved yet.</summary>
    public int BaseVersion { get; private set; }

    /// <summary>A newer version someone else saved, when this draft's save was refused because of it.</summary>
    public VersionConflict? Conflict { get; private set; }

    /// <summary>What changed, in the author's words, kept with the next version.</summary>
    public string? Message { get; set; }

    public bool Dirty => Content != SavedContent;

    /// <summary>Starts over from a saved version (opened, restored, or the latest taken instead of the author's edits).</summary>
    public void Load(string content, int version)
    {
        Content = SavedContent = content;
        BaseVersion = version;
        Conflict = null;
    }

    /// <summary>Starts over from a template, for a rule that is not saved yet.</summary>
    public void Start(string template) => Content = SavedContent = template;

    /// <summary>The content was saved (or nothing had changed): the next save builds on <paramref name="latestVersion"/>.</summary>
    public void Saved(int latestVersion)
    {
        SavedContent = Content;
        BaseVersion = latestVersion;
        Message = null;
        Conflict = null;
    }

    /// <summary>The rule changed elsewhere (a details edit, a lifecycle move): the edits build on its latest version now.</summary>
    public void Rebase(int latestVersion)
    {
        if (Conflict is null)
            BaseVersion = latestVersion;
    }

    public void Conflicted(VersionConflict conflict) => Conflict = conflict;

    /// <summary>The author chose to save their edits on top of the newer version.</summary>
    public void BuildOnLatest()
    {
        if (Conflict is not null)
            BaseVersion = Conflict.LatestVersion;
    }

    /// <summary>The edits are given up (the rule was archived): leaving the page no longer warns.</summary>
    public void Abandon() => SavedContent = Content;
}
