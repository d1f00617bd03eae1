using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Common;

/// <summary>Refuses settings that <paramref name="problem"/> finds fault with, with its message (checked at start).</summary>
internal sealed class SettingsValidator<T>(Func<T, string?> problem) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        problem(options) is { } message ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
}
