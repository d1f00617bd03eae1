namespace CraftedSignal.Domain.Common;

/// <summary>What kind of expected failure an error is: one mapping turns each into an HTTP status (problem details, RFC 9457).</summary>
public enum ErrorKind
{
    /// <summary>The input is not acceptable as it is: say what to change.</summary>
    Invalid,

    /// <summary>It does not exist, or not in the caller's company (the two are never told apart).</summary>
    NotFound,

    /// <summary>The caller's role or relation to the thing does not allow it.</summary>
    NotPermitted,

    /// <summary>The thing is in a state that does not allow it now (a newer version, an open review, an archived rule).</summary>
    Conflict,
}

/// <summary>An expected failure: validation, permission or conflict. The page shows <see cref="Message"/>.</summary>
public abstract record Error(string Message, ErrorKind Kind);

public sealed record NotFound(string What) : Error($"{What} was not found.", ErrorKind.NotFound);

public sealed record Forbidden(string Message) : Error(Message, ErrorKind.NotPermitted);

public sealed record Invalid(string Field, string Problem) : Error(Problem, ErrorKind.Invalid);

public sealed record Conflict(string Message) : Error(Message, ErrorKind.Conflict);
