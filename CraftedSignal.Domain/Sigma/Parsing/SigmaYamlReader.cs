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

    public static YamlReadResult Read(string text) => Read(text, blockReader: true);

    /// <param name="blockReader">Try the fast <see cref="BlockYamlReader"/> first (false only to compare the two readers).</param>
    internal static YamlReadResult Read(string text, bool blockReader)
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
        if (blockReader && BlockYamlReader.TryRead(text, new NodeSink(documents, diagnostics)))
        {
            return new YamlReadResult(documents, diagnostics);
        }

        documents.Clear();
        diagnostics.Clear();
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

    /// <summary>The full reader: YamlDotNet's parser, for whatever the block reader leaves to it.</summary>
    private static void ReadStream(string text, List<YamlNode?> documents, List<SigmaDiagnostic> diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var sink = new NodeSink(documents, diagnostics);
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var position = new SourcePosition((int)current.Start.Line, (int)current.Start.Column);
            switch (current)
            {
                case DocumentStart:
                    sink.BeginDocument();
                    break;
                case DocumentEnd:
                    sink.EndDocument();
                    break;
                case Scalar scalar:
                    if (sink.Nodes >= MaxNodes)
                    {
                        throw TooMany(position);
                    }

                    sink.Scalar(scalar.Value, scalar.Style is not ScalarStyle.Plain, position);
                    break;
                case SequenceStart:
                case MappingStart:
                    if (sink.Nodes >= MaxNodes)
                    {
                        throw TooMany(position);
                    }

                    if (sink.Depth >= MaxDepth)
                    {
                        diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.NestingTooDeep,
                            $"The YAML nests deeper than {MaxDepth} levels. Flatten the structure.", position));
                        throw new AbortReadException();
                    }

                    sink.Begin(current is MappingStart, position);
                    break;
                case SequenceEnd:
                case MappingEnd:
                    sink.End();
                    break;
                case AnchorAlias:
                    diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.YamlAlias,
                        "YAML aliases (*name) are not supported in Sigma rules. Write the value out in full.", position));
                    sink.Scalar(string.Empty, false, position);
                    break;
            }
        }
    }

    /// <summary>Builds the nodes of a stream from either reader's events, so both build exactly the same nodes.</summary>
    internal sealed class NodeSink(List<YamlNode?> documents, List<SigmaDiagnostic> diagnostics)
    {
        private readonly Stack<Builder> _stack = new();
        private YamlNode? _root;
        private bool _rootSet;

        public int Nodes { get; private set; }

        public int Depth => _stack.Count;

        public int Documents => documents.Count;

        public void BeginDocument()
        {
            _root = null;
            _rootSet = false;
            _stack.Clear();
        }

        public void EndDocument() => documents.Add(_rootSet ? _root : null);

        public void Begin(bool isMapping, SourcePosition position)
        {
            Nodes++;
            _stack.Push(new Builder(isMapping, position));
        }

        public void End() => Attach(_stack.Pop().Build(diagnostics));

        /// <summary>A scalar; a plain one (not <paramref name="quoted"/>) is resolved to null, boolean, number or string as YAML 1.1 does.</summary>
        public void Scalar(string text, bool quoted, SourcePosition position)
        {
            Nodes++;
            Attach(new YamlScalar(text, quoted, quoted ? YamlScalarKind.String : Resolve(text), position));
        }

        private void Attach(YamlNode node)
        {
            if (_stack.Count == 0)
            {
                _root = node;
                _rootSet = true;
            }
            else
            {
                _stack.Peek().Add(node);
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

    private static YamlScalarKind Resolve(string value)
    {
        if (value.Length == 0 || value is "~" or "null" or "Null" or "NULL")
        {
            return YamlScalarKind.Null;
        }

        if (YamlScalar.BooleanValue(value) is not null)
        {
            return YamlScalarKind.Boolean;
        }

        // Every YAML number starts with a digit, a sign or a point; most scalars of a rule are words and stop here.
        if (value[0] is not ((>= '0' and <= '9') or '-' or '+' or '.'))
        {
            return YamlScalarKind.String;
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
