namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>Why a rule was not converted. <see cref="Message"/> reads like pySigma's error text.</summary>
public abstract record ConversionError(string Message);

/// <summary>The backend cannot express a construct of the rule (pySigma's SigmaFeatureNotSupportedByBackendError).</summary>
public sealed record FeatureNotSupported(string Detail) : ConversionError("SigmaFeatureNotSupportedByBackendError: " + Detail);

/// <summary>The backend has no expression for a kind of value (pySigma's NotImplementedError).</summary>
public sealed record NotImplemented(string Detail) : ConversionError("NotImplementedError: " + Detail + " (while converting rule None)");

/// <summary>A value cannot be converted (e.g. an unresolved placeholder, base64 of a wildcard).</summary>
public sealed record InvalidValue(string Detail) : ConversionError("SigmaValueError: " + Detail);

/// <summary>The rule itself is not convertible (parse errors, unknown identifiers, not a detection rule).</summary>
public sealed record InvalidRule(string Detail) : ConversionError(Detail);

/// <summary>A processing pipeline refused the rule or a detection item (rule_failure / detection_item_failure).</summary>
public sealed record PipelineFailure(string Detail) : ConversionError("SigmaTransformationError: " + Detail);

/// <summary>Carries a <see cref="ConversionError"/> out of deep recursion; never leaves the converter.</summary>
internal sealed class ConversionException(ConversionError error) : Exception(error.Message)
{
    public ConversionError Error { get; } = error;
}
