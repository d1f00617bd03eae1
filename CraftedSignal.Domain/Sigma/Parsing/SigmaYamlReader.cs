using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CraftedSignal.Domain.Sigma.Parsing;

/// <summary>The documents of one YAML stream, with what went wrong while reading it.</summary>
public sealed record YamlReadResult(IReadOnlyList<YamlNode?> Documents, IReadOnlyList<SigmaDiagnostic> Diagnostics);

/// <summary>
/// Reads YAML into position-carrying nodes. Never throws on bad input: size, depth and node count are bounded
/// and every failure becomes a diagnostic.
/// </summary>
public static partial class SigmaYamlReader
{
    public const int MaxBytes = 1024 * 1024;
    public const int MaxDepth = 64;
    public const int MaxNodes = 200_000;

    public static YamlReadResult Read(byte[] bytes)
    {
        if (bytes.Length > MaxBytes)
        {
            return Fail(SigmaDiagnosticCodes.FileTooLarge,
                $"The file is {bytes.Length:N0} bytes; Sigma files are limited to {MaxBytes:N0} bytes. Split it into smaller files.");
        }

        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            return Fail(SigmaDiagnosticCodes.NotText, "The file contains NUL bytes: it is binary, not YAML text. Save the rule as UTF-8 text.");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Fail(SigmaDiagnosticCodes.NotText, "The file is not valid UTF-8. Save the rule as UTF-8 text.");
        }

        return Read(text);
    }

    public static YamlReadResult Read(string text)
    {
        if (text.Length > MaxBytes)
        {
            return Fail(SigmaDiagnosticCodes.FileTooLarge,
                $"The text is {text.Length:N0} characters; Sigma files are limited to {MaxBytes:N0}. Split it into smaller files.");
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var documents = new List<YamlNode?>();
        var diagnostics = new List<SigmaDiagnostic>();
        try
        {
            ReadStream(text, documents, diagnostics);
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            var position = new SourcePosition((int)Math.Max(1, ex.Start.Line), (int)Math.Max(1, ex.Start.Column));
            diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.YamlSyntax,
                $"YAML syntax error: {CleanYamlMessage(message)}. Fix the YAML at this position.", position));
            documents.Clear();
        }
        catch (AbortReadException)
        {
            documents.Clear();
        }
        catch (InvalidOperationException ex)
        {
            diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.YamlSyntax,
                $"YAML could not be read: {ex.Message}. Fix the YAML.", new SourcePosition(1, 1)));
            documents.Clear();
        }
        catch (ArgumentException ex)
        {
            diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.YamlSyntax,
                $"YAML could not be read: {ex.Message}. Fix the YAML.", new SourcePosition(1, 1)));
            documents.Clear();
        }

        return new YamlReadResult(documents, diagnostics);
    }

    private static YamlReadResult Fail(string code, string message) =>
        new([], [SigmaDiagnostic.Error(code, message, new SourcePosition(1, 1))]);

    private static string CleanYamlMessage(string message)
    {
        var cleaned = PositionPrefix().Replace(message, string.Empty).Trim().TrimEnd('.');
        return cleaned.Length == 0 ? "unexpected content" : cleaned;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private static void ReadStream(string text, List<YamlNode?> documents, List<SigmaDiagnostic> diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var stack = new Stack<Builder>();
        YamlNode? root = null;
        var nodes = 0;
        var rootSet = false;

        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var position = new SourcePosition((int)current.Start.Line, (int)current.Start.Column);
            switch (current)
            {
                case DocumentStart:
                    root = null;
                    rootSet = false;
                    stack.Clear();
                    break;
                case DocumentEnd:
                    documents.Add(rootSet ? root : null);
                    break;
                case Scalar scalar:
                    if (++nodes > MaxNodes)
                    {
                        throw TooMany(position);
                    }

                    Attach(new YamlScalar(scalar.Value, scalar.Style is not ScalarStyle.Plain, Resolve(scalar), position));
                    break;
                case SequenceStart:
                case MappingStart:
                    if (++nodes > MaxNodes)
                    {
                        throw TooMany(position);
                    }

                    if (stack.Count >= MaxDepth)
                    {
                        diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.NestingTooDeep,
                            $"The YAML nests deeper than {MaxDepth} levels. Flatten the structure.", position));
                        throw new AbortReadException();
                    }

                    stack.Push(new Builder(current is MappingStart, position));
                    break;
                case SequenceEnd:
                case MappingEnd:
                    Attach(stack.Pop().Build(diagnostics));
                    break;
                case AnchorAlias:
                    diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.YamlAlias,
                        "YAML aliases (*name) are not supported in Sigma rules. Write the value out in full.", position));
                    Attach(new YamlScalar(string.Empty, false, YamlScalarKind.Null, position));
                    break;
            }
        }

        void Attach(YamlNode node)
        {
            if (stack.Count == 0)
            {
                root = node;
                rootSet = true;
            }
            else
            {
                stack.Peek().Add(node);
            }
        }
    }

    private static YamlException TooMany(SourcePosition position) =>
        new(new Mark(0, position.Line, position.Column), new Mark(0, position.Line, position.Column),
            $"more than {MaxNodes:N0} YAML nodes; the file is too large for a Sigma rule");

    private sealed class AbortReadException : InvalidOperationException
    {
        public AbortReadException()
            : base("the YAML nests too deeply")
        {
        }
    }

    private static YamlScalarKind Resolve(Scalar scalar)
    {
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return YamlScalarKind.String;
        }

        var value = scalar.Value;
        if (value.Length == 0 || value is "~" or "null" or "Null" or "NULL")
        {
            return YamlScalarKind.Null;
        }

        if (YamlScalar.BooleanValue(value) is not null)
        {
            return YamlScalarKind.Boolean;
        }

        if (IntegerPattern().IsMatch(value))
        {
            return YamlScalarKind.Integer;
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return YamlScalarKind.Float;
        }

        return YamlScalarKind.String;
    }

    [GeneratedRegex(@"^([-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    private sealed class Builder(bool isMapping, SourcePosition position)
    {
        private readonly List<YamlNode> _items = [];

        public void Add(YamlNode node) => _items.Add(node);

        public YamlNode Build(List<SigmaDiagnostic> diagnostics)
        {
            if (!isMapping)
            {
                return new YamlSequence(_items, position);
            }

            var entries = new List<YamlEntry>(_items.Count / 2);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < _items.Count; i += 2)
            {
                if (_items[i] is not YamlScalar key)
                {
                    diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.WrongType,
                        "A mapping key must be a plain string, not a list or mapping. Use a string key.", _items[i].Position));
                    continue;
                }

                if (!seen.Add(key.Text))
                {
                    diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.DuplicateKey,
                        $"The key '{key.Text}' appears twice in this mapping. Merge the two entries into one.", key.Position));
                    continue;
                }

                entries.Add(new YamlEntry(key, _items[i + 1]));
            }

            return new YamlMapping(entries, position);
        }
    }
}
