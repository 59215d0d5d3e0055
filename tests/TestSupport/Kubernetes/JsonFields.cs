using System.Text.Json.Nodes;

namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>
/// Field paths of an object as server-side apply sees them: every leaf (scalar, list, empty map) under the object,
/// except the metadata the server owns (only labels, annotations, ownerReferences and finalizers count).
/// Lists are atomic, as in a CRD schema without x-kubernetes-list-type; built-in types key some lists by name,
/// which this double does not model (a conflict inside one is reported on the whole list).
/// </summary>
internal static class JsonFields
{
    private static readonly HashSet<string> OwnedMetadata = ["labels", "annotations", "ownerReferences", "finalizers"];

    public static Dictionary<string, string[]> Leaves(JsonObject obj)
    {
        var leaves = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind") continue;
            if (key == "metadata")
            {
                if (value is not JsonObject metadata) continue;
                foreach (var (mkey, mvalue) in metadata)
                    if (OwnedMetadata.Contains(mkey)) Collect(mvalue, ["metadata", mkey], leaves);
                continue;
            }
            Collect(value, [key], leaves);
        }
        return leaves;
    }

    private static void Collect(JsonNode? node, string[] path, Dictionary<string, string[]> leaves)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, value) in obj) Collect(value, [.. path, key], leaves);
            return;
        }
        leaves[Key(path)] = path;
    }

    public static string Key(string[] path) => string.Join('\u0001', path);

    /// <summary>How the API server prints a path: <c>.spec.replicas</c>.</summary>
    public static string Display(string[] path) => "." + string.Join('.', path);

    public static JsonNode? Get(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node;
    }

    public static bool Has(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return false;
        }
        return true;
    }

    /// <summary>Removes the field and then the maps it leaves empty.</summary>
    public static void Remove(JsonObject obj, string[] path)
    {
        var parents = new List<JsonObject> { obj };
        var current = obj;
        for (var i = 0; i < path.Length - 1; i++)
        {
            if (current[path[i]] is not JsonObject next) return;
            parents.Add(next);
            current = next;
        }
        current.Remove(path[^1]);
        for (var i = parents.Count - 1; i > 0; i--)
        {
            if (parents[i].Count > 0) break;
            parents[i - 1].Remove(path[i - 1]);
        }
    }

    /// <summary>Deep merge for apply: maps merge key by key, everything else (lists included) is replaced.</summary>
    public static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject sourceChild && target[key] is JsonObject targetChild) Merge(targetChild, sourceChild);
            else target[key] = value?.DeepClone();
        }
    }

    /// <summary>RFC 7386 JSON merge patch: null deletes, maps merge, anything else replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) { result.Remove(key); continue; }
            var existing = result[key];
            result[key] = MergePatch(existing?.DeepClone(), value);
        }
        return result;
    }
}
