using CraftedSignal.Domain.Rules;
using CraftedSignal.Web.Components.Pages.Rules;

namespace CraftedSignal.Tests.Components;

/// <summary>The editor's save state: what is typed against what is saved, and which version a save builds on.</summary>
public sealed class RuleEditorDraftTests
{
    private static readonly VersionConflict Newer = new(4, "Bob", new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc));

    [Fact]
    public void Typing_MakesItDirty_AndSavingOrTypingItBack_MakesItClean()
    {
        var draft = new RuleEditorDraft("title: a\n");
        Assert.False(draft.Dirty);

        draft.Content = "title: b\n";
        Assert.True(draft.Dirty);
        draft.Content = "title: a\n";
        Assert.False(draft.Dirty);

        draft.Content = "title: b\n";
        draft.Message = "renamed";
        draft.Saved(2);
        Assert.Equal((false, 2, null), (draft.Dirty, draft.BaseVersion, draft.Message));
    }

    [Fact]
    public void AConflict_IsKeptUntilTheAuthorChooses_EvenWhenTheRuleReloadsMeanwhile()
    {
        var draft = new RuleEditorDraft("title: a\n");
        draft.Saved(3);
        draft.Content = "title: mine\n";
        draft.Conflicted(Newer);

        // A test run ends and the page reloads the rule: a plain save must still not land on top of Bob's version 4.
        draft.Rebase(4);
        Assert.Equal((3, Newer), (draft.BaseVersion, draft.Conflict));

        draft.BuildOnLatest();
        Assert.Equal(4, draft.BaseVersion);
        Assert.True(draft.Dirty);
        draft.Saved(5);
        Assert.Null(draft.Conflict);
    }

    [Fact]
    public void AbandoningTheEdits_LeavesWithoutAWarning_AndLoadingTakesTheSavedVersion()
    {
        var draft = new RuleEditorDraft("title: a\n") { Content = "title: unsaved\n" };
        draft.Abandon();
        Assert.False(draft.Dirty);

        draft.Conflicted(Newer);
        draft.Load("title: theirs\n", 4);
        Assert.Equal(("title: theirs\n", 4, null, false), (draft.Content, draft.BaseVersion, draft.Conflict, draft.Dirty));
    }
}
