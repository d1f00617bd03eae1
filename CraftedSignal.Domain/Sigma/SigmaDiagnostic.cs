namespace CraftedSignal.Domain.Sigma;

public enum SigmaSeverity
{
    Warning,
    Error,
}

/// <summary>A problem found in a Sigma file: a stable code, a severity, what to do, and where.</summary>
public sealed record SigmaDiagnostic(string Code, SigmaSeverity Severity, string Message, SourcePosition Position, string? Path = null)
{
    public bool IsError => Severity == SigmaSeverity.Error;

    public static SigmaDiagnostic Error(string code, string message, SourcePosition position) =>
        new(code, SigmaSeverity.Error, message, position);

    public static SigmaDiagnostic Warning(string code, string message, SourcePosition position) =>
        new(code, SigmaSeverity.Warning, message, position);

    /// <summary>Formats as <c>PATH:LINE:COL: error|warning CODE: message</c>.</summary>
    public string Format(string path) =>
        $"{path}:{Position.Line}:{Position.Column}: {(IsError ? "error" : "warning")} {Code}: {Message}";
}

/// <summary>Every diagnostic code the Sigma engine reports. Codes are stable: never renumber.</summary>
public static class SigmaDiagnosticCodes
{
    // Input and YAML
    public const string FileTooLarge = "SIG0001";
    public const string YamlSyntax = "SIG0002";
    public const string NestingTooDeep = "SIG0003";
    public const string YamlAlias = "SIG0004";
    public const string DocumentNotMapping = "SIG0005";
    public const string NotText = "SIG0006";
    public const string UnreadableFile = "SIG0007";
    public const string DuplicateKey = "SIG0008";
    public const string UnknownDocumentKind = "SIG0009";
    public const string TooManyNodes = "SIG0010";
    public const string DocumentSkipped = "SIG0011";

    // Rule metadata
    public const string MissingField = "SIG1001";
    public const string WrongType = "SIG1002";
    public const string MalformedUuid = "SIG1003";
    public const string InvalidDate = "SIG1004";
    public const string InvalidStatus = "SIG1005";
    public const string InvalidLevel = "SIG1006";
    public const string AttackTagForm = "SIG1007";
    public const string TagForm = "SIG1008";
    public const string DuplicateId = "SIG1009";
    public const string InvalidRelated = "SIG1010";
    public const string TitleTooLong = "SIG1011";
    public const string DuplicateName = "SIG1012";
    public const string EmptyLogSource = "SIG1013";

    // Detection and modifiers
    public const string UnknownModifier = "SIG2001";
    public const string MisplacedModifier = "SIG2002";
    public const string IncompatibleModifiers = "SIG2003";
    public const string InvalidRegex = "SIG2004";
    public const string InvalidCidr = "SIG2005";
    public const string ValueTypeNotAllowed = "SIG2006";
    public const string NullInList = "SIG2007";
    public const string AllWithSingleValue = "SIG2008";
    public const string ExistsNeedsBoolean = "SIG2009";
    public const string EmptySearch = "SIG2010";
    public const string InvalidSearch = "SIG2011";
    public const string RegexNeedsTimeout = "SIG2012";
    public const string WindashTooManyVariants = "SIG2013";
    public const string UnresolvedPlaceholder = "SIG2014";
    public const string TimeValueOutOfRange = "SIG2015";
    public const string EmptyFieldName = "SIG2016";
    public const string RegexUnsupportedConstruct = "SIG2017";
    public const string InvalidEncoding = "SIG2018";
    public const string TooManyBacktrackingPatterns = "SIG2019";

    // Condition
    public const string ConditionSyntax = "SIG3001";
    public const string UndefinedIdentifier = "SIG3002";
    public const string UnusedIdentifier = "SIG3003";
    public const string PatternMatchesNothing = "SIG3004";
    public const string AllOfThem = "SIG3005";
    public const string MissingCondition = "SIG3006";

    // Correlation
    public const string CorrelationType = "SIG4001";
    public const string CorrelationMissing = "SIG4002";
    public const string CorrelationTimespan = "SIG4003";
    public const string CorrelationUnknownRule = "SIG4004";
    public const string CorrelationCondition = "SIG4005";
    public const string CorrelationField = "SIG4006";
    public const string CorrelationAlias = "SIG4007";

    // Filters
    public const string FilterMissing = "SIG5001";
    public const string FilterUnknownRule = "SIG5002";

    // SigmaHQ conventions (warnings)
    public const string FileNameConvention = "SIG6001";
    public const string KeyNotLowercase = "SIG6002";
    public const string MissingDescription = "SIG6003";
    public const string MissingLevel = "SIG6004";
    public const string MissingDate = "SIG6005";
    public const string ModifiedBeforeDate = "SIG6006";
    public const string MissingAuthor = "SIG6007";
    public const string DuplicateTag = "SIG6008";
    public const string UuidNotVersion4 = "SIG6009";
    public const string DescriptionTooLong = "SIG6010";
    public const string CasedWithRegex = "SIG6011";
    public const string UnknownAttackTechnique = "SIG6012";
    public const string OutdatedAttackTechnique = "SIG6013";
}
