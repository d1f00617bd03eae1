using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Rules;

public sealed record VersionConflict(int LatestVersion, string LatestAuthor, DateTime SavedAt)
    : Error($"Someone saved a newer version while you were editing: version {LatestVersion} by {LatestAuthor} at {SavedAt:yyyy-MM-dd HH:mm} UTC. Compare it with your changes before saving again.", ErrorKind.Conflict);

public sealed record TransitionNotAllowed(RuleLifecycle From, RuleLifecycle To)
    : Error($"A rule cannot go from {From} to {To}. From {From} it can go to: {string.Join(", ", RuleLifecycleTransitions.From(From))}.", ErrorKind.Conflict);

public sealed record RuleHasErrors(int ErrorCount)
    : Error($"The latest version has {ErrorCount} error(s). Fix them before the rule can run in a SIEM.", ErrorKind.Conflict);

public sealed record RuleNotArchivable(RuleLifecycle Lifecycle)
    : Error($"Only Draft and Killed rules can be archived; this one is {Lifecycle}. Kill it first.", ErrorKind.Conflict);

public sealed record RuleArchived(string Title)
    : Error($"'{Title}' is archived: it is kept as evidence and cannot change. An Owner or Admin can restore it from the library's archive.", ErrorKind.Conflict);
