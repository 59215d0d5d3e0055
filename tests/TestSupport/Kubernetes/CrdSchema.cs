using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>
/// The structural-schema checks the API server makes on a custom resource: unknown fields are pruned (and reported
/// as warnings), then type, enum, required, minimum/maximum, length and pattern are checked, one cause per field,
/// worded as the API server words them (see transcript 03).
/// </summary>
internal sealed class CrdSchema(JsonObject root)
{
    public sealed record Cause(string Reason, string Message, string Field);

    /// <summary>The paths of the fields the schema does not declare (<c>spec.templateRef.configMapName</c>); the object is not changed.</summary>
    public List<string> Undeclared(JsonObject obj) => Check((JsonObject)obj.DeepClone()).Pruned;

    /// <summary>Prunes <paramref name="obj"/> in place; returns the pruned field paths and the violations.</summary>
    public (List<string> Pruned, List<Cause> Causes) Check(JsonObject obj)
    {
        var pruned = new List<string>();
        var causes = new List<Cause>();
        var properties = root["properties"] as JsonObject ?? [];
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            if (properties[key] is JsonObject schema) Visit(obj[key], schema, key, obj, key, pruned, causes);
            else if (root["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true) { pruned.Add(key); obj.Remove(key); }
        }
        foreach (var required in root["required"] as JsonArray ?? [])
            if (required is not null && !obj.ContainsKey(required.GetValue<string>()))
                causes.Add(new("FieldValueRequired", "Required value", required.GetValue<string>()));
        return (pruned, causes);
    }

    private static void Visit(JsonNode? node, JsonObject schema, string path, JsonObject? parent, string key, List<string> pruned, List<Cause> causes)
    {
        if (node is null)
        {
            if (schema["nullable"]?.GetValue<bool>() == true) return;
            parent?.Remove(key); // null in a non-nullable field is dropped, as the API server does for CRs
            return;
        }
        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (node is not JsonValue v || (v.GetValueKind() != JsonValueKind.String && v.GetValueKind() != JsonValueKind.Number))
                causes.Add(new("FieldValueTypeInvalid", $"Invalid value: {Show(node)}: {path} in body must be of type int-or-string: {Show(node)}", path));
            return;
        }
        var type = (string?)schema["type"];
        if (type is not null && !IsType(node, type))
        {
            causes.Add(new("FieldValueTypeInvalid", $"Invalid value: {Show(node)}: {path} in body must be of type {type}: {Show(node)}", path));
            return;
        }
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            causes.Add(new("FieldValueNotSupported",
                $"Unsupported value: {Show(node)}: supported values: {string.Join(", ", allowed.Select(Show))}", path));
        }
        switch (node)
        {
            case JsonObject obj:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
                foreach (var childKey in obj.Select(p => p.Key).ToList())
                {
                    var childPath = $"{path}.{childKey}";
                    if (properties?[childKey] is JsonObject childSchema) Visit(obj[childKey], childSchema, childPath, obj, childKey, pruned, causes);
                    else if (additional is not null) Visit(obj[childKey], additional, childPath, obj, childKey, pruned, causes);
                    else if (!preserve) { pruned.Add(childPath); obj.Remove(childKey); }
                }
                foreach (var required in schema["required"] as JsonArray ?? [])
                    if (required is not null && !obj.ContainsKey(required.GetValue<string>()))
                        causes.Add(new("FieldValueRequired", "Required value", $"{path}.{required.GetValue<string>()}"));
                break;
            case JsonArray array:
                if (schema["items"] is JsonObject items)
                    for (var i = 0; i < array.Count; i++) Visit(array[i], items, $"{path}[{i}]", null, "", pruned, causes);
                if (schema["minItems"] is JsonNode minItems && array.Count < Number(minItems))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {array.Count}: {path} in body should have at least {minItems} items", path));
                if (schema["maxItems"] is JsonNode maxItems && array.Count > Number(maxItems))
                    causes.Add(new("FieldValueTooMany", $"Too many: {array.Count}: must have at most {maxItems} items", path));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                var number = Number(value);
                if (schema["minimum"] is JsonNode min && number < Number(min))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should be greater than or equal to {min}", path));
                if (schema["maximum"] is JsonNode max && number > Number(max))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should be less than or equal to {max}", path));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                if (schema["maxLength"] is JsonNode maxLength && text.Length > Number(maxLength))
                    causes.Add(new("FieldValueTooLong", $"Too long: may not be longer than {maxLength}", path));
                if (schema["minLength"] is JsonNode minLength && text.Length < Number(minLength))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should be at least {minLength} chars long", path));
                if (schema["pattern"] is JsonNode pattern && !Regex.IsMatch(text, pattern.GetValue<string>()))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body should match '{pattern}'", path));
                if ((string?)schema["format"] == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    causes.Add(new("FieldValueInvalid", $"Invalid value: {Show(node)}: {path} in body must be of type date-time: {Show(node)}", path));
                break;
        }
    }

    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static bool IsType(JsonNode node, string type) => type switch
    {
        "object" => node is JsonObject,
        "array" => node is JsonArray,
        "string" => node is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsInteger(Number(v)),
        "number" => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        _ => true,
    };

    private static string Show(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? JsonSerializer.Serialize(v.GetValue<string>())
        : node?.ToJsonString() ?? "null";
}
