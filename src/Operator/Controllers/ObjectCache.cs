using CleanScheduler.Kubernetes;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleanScheduler.Operator.Controllers;

/// <summary>
/// The controllers' view of one kind of object, keyed by namespace/name. Each object is kept as its UTF-8 JSON and
/// parsed when read: a node tree parsed from a response keeps that whole response alive (every value points into
/// its document), so a cache of trees holds every list and watch event it ever saw. Kept compact, 1,000
/// UserDeployments and their Deployments take a few MB. Reads return a fresh copy the caller may change.
/// </summary>
public sealed class ObjectCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(long ResourceVersion, byte[] Json);

    public ICollection<string> Keys => _entries.Keys;

    public int Count => _entries.Count;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public JsonObject? Get(string key) => _entries.TryGetValue(key, out var entry) ? Parse(entry) : null;

    /// <summary>
    /// Stores <paramref name="item"/> unless the cache already holds a copy with a higher resourceVersion; false when it
    /// held that version or a newer one already (the watch event of our own write, whose answer was cached, or a list
    /// read while that write was made).
    /// </summary>
    public bool SetIfNewer(string key, JsonObject item)
    {
        var entry = Compact(item);
        var newer = true;
        _entries.AddOrUpdate(key, entry, (_, existing) =>
        {
            newer = existing.ResourceVersion < entry.ResourceVersion || entry.ResourceVersion == 0;
            return existing.ResourceVersion > entry.ResourceVersion ? existing : entry;
        });
        return newer;
    }

    public JsonObject? Remove(string key) => _entries.TryRemove(key, out var entry) ? Parse(entry) : null;

    private static Entry Compact(JsonObject item) =>
        new(long.TryParse((string?)item["metadata"]?["resourceVersion"], out var version) ? version : 0, ScratchJson.ToUtf8(item));

    private static JsonObject Parse(Entry entry) => (JsonObject)JsonNode.Parse(entry.Json)!;
}
