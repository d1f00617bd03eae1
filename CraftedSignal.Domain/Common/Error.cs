namespace CraftedSignal.Domain.Common;

/// <summary>An expected failure: validation, permission or conflict. The page shows <see cref="Message"/>.</summary>
public abstract record Error(string Message);

public sealed record NotFound(string What) : Error($"{What} was not found.");

public sealed record Forbidden(string Message) : Error(Message);

public sealed record Invalid(string Field, string Problem) : Error(Problem);

public sealed record Conflict(string Message) : Error(Message);
