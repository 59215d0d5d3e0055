using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CleanScheduler.Application.Kubernetes;

/// <summary>
/// Writes JSON objects as YAML documents, deterministically (golden files compare byte for byte). Strings are always
/// quoted, so "true", "80" or "1e3" stay strings; multi-line text uses literal blocks.
/// </summary>
public static partial class YamlWriter
{
    public static string Documents(IEnumerable<JsonObject> objects)
    {
        var builder = new StringBuilder();
        foreach (var item in objects)
        {
            builder.Append("---\n");
            WriteMapping(builder, item, 0);
        }
        return builder.ToString();
    }

    private static void WriteMapping(StringBuilder builder, JsonObject mapping, int indent)
    {
        if (mapping.Count == 0) return;
        var first = true;
        foreach (var (key, value) in mapping)
        {
            if (!first || builder.Length == 0 || builder[^1] == '\n') builder.Append(' ', indent);
            first = false;
            builder.Append(Key(key)).Append(':');
            WriteValue(builder, value, indent);
        }
    }

    private static void WriteValue(StringBuilder builder, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: 0 }:
                builder.Append(" {}\n");
                break;
            case JsonObject nested:
                builder.Append('\n');
                WriteMapping(builder, nested, indent + 2);
                break;
            case JsonArray { Count: 0 }:
                builder.Append(" []\n");
                break;
            case JsonArray items:
                builder.Append('\n');
                WriteSequence(builder, items, indent);
                break;
            default:
                builder.Append(' ');
                WriteScalar(builder, value, indent + 2);
                break;
        }
    }

    private static void WriteSequence(StringBuilder builder, JsonArray items, int indent)
    {
        foreach (var item in items)
        {
            builder.Append(' ', indent).Append('-');
            switch (item)
            {
                case JsonObject { Count: > 0 } mapping:
                    builder.Append(' ');
                    WriteMapping(builder, mapping, indent + 2);
                    break;
                case JsonArray { Count: > 0 } nested:
                    builder.Append('\n');
                    WriteSequence(builder, nested, indent + 2);
                    break;
                default:
                    WriteValue(builder, item, indent);
                    break;
            }
        }
    }

    private static void WriteScalar(StringBuilder builder, JsonNode? value, int indent)
    {
        if (value is null) { builder.Append("null\n"); return; }
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                var text = value.GetValue<string>();
                if (CanBeBlock(text))
                {
                    builder.Append(text.EndsWith('\n') ? "|\n" : "|-\n");
                    foreach (var line in text.TrimEnd('\n').Split('\n'))
                    {
                        if (line.Length > 0) builder.Append(' ', indent).Append(line);
                        builder.Append('\n');
                    }
                }
                else
                {
                    builder.Append(JsonSerializer.Serialize(text)).Append('\n');
                }
                break;
            case JsonValueKind.True: builder.Append("true\n"); break;
            case JsonValueKind.False: builder.Append("false\n"); break;
            case JsonValueKind.Number: builder.Append(value.ToJsonString()).Append('\n'); break;
            default: builder.Append("null\n"); break;
        }
    }

    /// <summary>A literal block keeps text as written when it has lines, no leading space, no tabs or control characters and ends with at most one newline.</summary>
    private static bool CanBeBlock(string text) =>
        text.Contains('\n') && !text.StartsWith(' ') && !text.EndsWith("\n\n", StringComparison.Ordinal)
        && !text.Any(c => char.IsControl(c) && c != '\n') && text.Split('\n').All(line => line.Length == 0 || line[^1] != ' ');

    /// <summary>Plain when unambiguous; quoted when YAML 1.1 (which kubectl speaks) would read it as a boolean or null.</summary>
    private static string Key(string key) => PlainKey().IsMatch(key) && !Yaml11Word().IsMatch(key) ? key : JsonSerializer.Serialize(key);

    [GeneratedRegex("^(y|yes|n|no|true|false|on|off|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex Yaml11Word();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainKey();
}
