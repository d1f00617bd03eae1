using System.Diagnostics.CodeAnalysis;

namespace CraftedSignal.Domain.Common;

/// <summary>The outcome of an operation that can fail in an expected way.</summary>
public readonly record struct Result
{
    private Result(Error? error) => Error = error;

    public Error? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static Result Ok() => new(null);

    public static implicit operator Result(Error error) => new(error);
}

/// <summary>A value, or the expected failure that prevented it.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public Error? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    /// <summary>Success without a value (for a nullable <typeparamref name="T"/>).</summary>
    public static Result<T> None => new(default, null);

    public static implicit operator Result<T>(Error error) => new(default, error);
}
