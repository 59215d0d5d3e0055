using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// YAML documents as JSON objects and back, for manifests. Reading: YAML 1.2 core schema scalars (quoted ones stay
/// strings). Writing: YamlDotNet's emitter, deterministically (golden files compare byte for byte). Every string value is
/// double-quoted (the emitter escapes control characters and the line breaks YAML 1.1 knows besides LF and CR: U+0085,
/// U+2028, U+2029), so no value can end its scalar early or be retyped by a YAML 1.1 reader such as kubectl ("yes",
/// "on", "0x1F", "1e3" stay strings); only multi-line text of plainly printable characters is a literal block.
/// Not KubernetesYaml.SerializeAll: it quotes only YAML 1.2's core words and numbers, so YAML 1.1 readers retype
/// "0x1F", "1:20", "2001-12-14", "+1" and "1_000", fail on "&lt;&lt;" and "=", and it writes tabs, CR, U+0085, U+2028 and
/// U+2029 raw, which readers drop or fold (22 of the 141 hostile strings of ManifestYamlTests under PyYAML).
/// Reading stays here too: KubernetesYaml.LoadAllFromString gives typed models only for kinds it knows, drops
/// unknown fields and fails on "&lt;&lt;" (it merges keys), and every caller wants the JSON as written.
/// </summary>
public static partial class YamlJson
{
    public static IEnumerable<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
            if (Convert(document.RootNode) is JsonObject obj) yield return obj;
    }

    public static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);
        if (text is "null" or "~" or "") return null;
        if (text is "true" or "True") return JsonValue.Create(true);
        if (text is "false" or "False") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)); // element-backed: readable as any number type
        if (Regex.IsMatch(text, @"^-?[0-9]+\.[0-9]+$") && double.TryParse(text, CultureInfo.InvariantCulture, out var number)) return JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture));
        return JsonValue.Create(text);
    }

    /// <summary>The objects as a multi-document YAML stream, each document opened by <c>---</c>.</summary>
    public static string Write(IEnumerable<JsonObject> objects)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var settings = new EmitterSettings().WithBestIndent(2).WithBestWidth(int.MaxValue).WithMaxSimpleKeyLength(1024).WithNewLine("\n");
        var emitter = new Emitter(text, settings);
        emitter.Emit(new StreamStart());
        foreach (var item in objects)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: false));
            Emit(emitter, item);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject mapping:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, mapping.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in mapping)
                {
                    emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, key, IsPlainKey(key) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted, true, true));
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray items:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, items.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in items) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case null:
                Plain(emitter, "null");
                break;
            default:
                switch (node.GetValueKind())
                {
                    case JsonValueKind.String:
                        var value = node.GetValue<string>();
                        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, CanBeLiteral(value) ? ScalarStyle.Literal : ScalarStyle.DoubleQuoted, true, true));
                        break;
                    case JsonValueKind.True: Plain(emitter, "true"); break;
                    case JsonValueKind.False: Plain(emitter, "false"); break;
                    case JsonValueKind.Number: Plain(emitter, node.ToJsonString()); break;
                    default: Plain(emitter, "null"); break;
                }
                break;
        }
    }

    private static void Plain(IEmitter emitter, string text) => emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, true, false));

    /// <summary>
    /// A literal block keeps multi-line text readable. Only for text of LF-separated lines of printable characters (no
    /// tab, no control character, no U+0085/U+2028/U+2029, no BOM, no surrogate), not starting with a space or a blank line, with no
    /// trailing spaces and at most one final newline: everything else is double-quoted with escapes.
    /// </summary>
    private static bool CanBeLiteral(string text) =>
        text.Contains('\n') && text[0] is not (' ' or '\n') && !text.EndsWith("\n\n", StringComparison.Ordinal)
        && text.All(c => c == '\n' || (c >= ' ' && c != '\x7F' && !(c is >= '\x80' and <= '\x9F') && c is not ('\u2028' or '\u2029' or '\uFEFF') && !char.IsSurrogate(c)))
        && !text.Contains(" \n", StringComparison.Ordinal) && !text.EndsWith(' ');

    /// <summary>Plain when unambiguous; quoted when YAML 1.1 (which kubectl speaks) would read it as a boolean or null.</summary>
    private static bool IsPlainKey(string key) => PlainKey().IsMatch(key) && !Yaml11Word().IsMatch(key);

    [GeneratedRegex("^(y|yes|n|no|true|false|on|off|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex Yaml11Word();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]{0,252}$")]
    private static partial Regex PlainKey();
}
