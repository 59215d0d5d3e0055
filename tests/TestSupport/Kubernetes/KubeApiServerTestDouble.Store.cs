using System.Globalization;
using System.Text.Json.Nodes;

namespace CleanScheduler.TestSupport.Kubernetes;

public sealed partial class KubeApiServerTestDouble
{
    /// <summary>A resource the double serves. Custom ones exist once their CRD is installed.</summary>
    internal sealed record ResourceInfo(string Group, string Version, string Plural, string Kind, bool Namespaced, bool HasStatus, bool HasGeneration, bool Custom, CrdSchema? Schema)
    {
        /// <summary>Replaced when the CRD is installed again (compared by reference: the record stays the same resource).</summary>
        public CrdSchema? Schema { get; set; } = Schema;

        public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
        public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
    }

    /// <summary>A stored object and who owns which of its fields: (manager, operation, subresource) -> paths.</summary>
    internal sealed class Stored(ResourceInfo resource, JsonObject obj)
    {
        public ResourceInfo Resource { get; } = resource;
        public JsonObject Object { get; set; } = obj;
        public Dictionary<(string Manager, string Operation, string Subresource), (Dictionary<string, string[]> Paths, string Time)> Owners { get; set; } = [];
        public string Namespace => (string?)Object["metadata"]?["namespace"] ?? "";
        public string Name => (string)Object["metadata"]!["name"]!;
        public string Uid => (string)Object["metadata"]!["uid"]!;
        public long ResourceVersion => long.Parse((string)Object["metadata"]!["resourceVersion"]!, CultureInfo.InvariantCulture);
    }

    internal sealed record StoredEvent(long ResourceVersion, string Type, ResourceInfo Resource, string Namespace, JsonObject Object);

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Key(ResourceInfo resource, string? ns, string name) => $"{resource.Group}/{resource.Plural}/{ns}/{name}";

    /// <summary>Records a write: new resourceVersion, managedFields rendered, a watch event. Caller holds the lock.</summary>
    private void Commit(Stored stored, string type)
    {
        var metadata = (JsonObject)stored.Object["metadata"]!;
        metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        RenderManagedFields(stored);
        // As stored in etcd: plain JSON (numbers readable as any numeric type, no shared nodes).
        stored.Object = (JsonObject)JsonNode.Parse(stored.Object.ToJsonString())!;
        if (type == "DELETED")
        {
            _objects.Remove(Key(stored.Resource, stored.Namespace, stored.Name));
            _uids.Remove(stored.Uid);
        }
        else
        {
            _objects[Key(stored.Resource, stored.Namespace, stored.Name)] = stored;
            _uids.Add(stored.Uid);
        }
        _events.Add(new StoredEvent(_resourceVersion, type, stored.Resource, stored.Namespace, (JsonObject)stored.Object.DeepClone()));
        if (_events.Count > MaxEventHistory)
        {
            var drop = _events.Count - MaxEventHistory;
            _compactedBefore = _events[drop].ResourceVersion;
            _events.RemoveRange(0, drop);
        }
        var pulse = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pulse.TrySetResult();
        if (type != "DELETED" && AutoReadyDeployments && stored.Resource.Kind == "Deployment" && stored.Resource.Group == "apps") MarkReady(stored);
    }

    private static void RenderManagedFields(Stored stored)
    {
        var entries = new JsonArray();
        foreach (var ((manager, operation, subresource), (paths, time)) in stored.Owners)
        {
            if (paths.Count == 0) continue;
            var fields = new JsonObject();
            foreach (var path in paths.Values)
            {
                var node = fields;
                foreach (var part in path)
                {
                    var name = "f:" + part;
                    node = node[name] as JsonObject ?? (JsonObject)(node[name] = new JsonObject());
                }
            }
            var entry = new JsonObject
            {
                ["manager"] = manager,
                ["operation"] = operation,
                ["apiVersion"] = stored.Resource.ApiVersion,
                ["time"] = time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = fields,
            };
            if (subresource.Length > 0) entry["subresource"] = subresource;
            entries.Add(entry);
        }
        var metadata = (JsonObject)stored.Object["metadata"]!;
        if (entries.Count > 0) metadata["managedFields"] = entries;
        else metadata.Remove("managedFields");
    }

    /// <summary>A non-apply write (create, update, merge patch): the changed fields now belong to its manager.</summary>
    private static void TakeOwnershipOfChanges(Stored stored, JsonObject before, JsonObject after, string manager, string subresource)
    {
        var oldLeaves = JsonFields.Leaves(before);
        var newLeaves = JsonFields.Leaves(after);
        var changed = newLeaves.Where(l => !oldLeaves.ContainsKey(l.Key) || !JsonNode.DeepEquals(JsonFields.Get(before, l.Value), JsonFields.Get(after, l.Value)))
            .ToDictionary(l => l.Key, l => l.Value);
        var removed = oldLeaves.Keys.Where(k => !newLeaves.ContainsKey(k)).ToHashSet();
        foreach (var owner in stored.Owners.Values)
            foreach (var key in owner.Paths.Keys.Where(k => removed.Contains(k) || changed.ContainsKey(k)).ToList())
                owner.Paths.Remove(key);
        if (changed.Count == 0) return;
        var mine = (manager, "Update", subresource);
        var paths = stored.Owners.TryGetValue(mine, out var existing) ? existing.Paths : new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, path) in changed) paths[key] = path;
        stored.Owners[mine] = (paths, Now());
    }

    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)))
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind") continue;
            if (!JsonNode.DeepEquals(before[key], after[key])) return true;
        }
        return false;
    }

    /// <summary>What the Deployment controller and kubelets would report for a Deployment whose pods all became ready.</summary>
    private void MarkReady(Stored deployment)
    {
        var replicas = (int?)deployment.Object["spec"]?["replicas"] ?? 1;
        var status = new JsonObject
        {
            ["observedGeneration"] = (long?)deployment.Object["metadata"]?["generation"] ?? 1,
            ["replicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Available", ["status"] = "True", ["reason"] = "MinimumReplicasAvailable",
                ["message"] = "Deployment has minimum availability.",
            }),
        };
        if (replicas > 0) { status["readyReplicas"] = replicas; status["availableReplicas"] = replicas; }
        if (JsonNode.DeepEquals(deployment.Object["status"], status)) return;
        var before = (JsonObject)deployment.Object.DeepClone();
        deployment.Object["status"] = status;
        TakeOwnershipOfChanges(deployment, before, deployment.Object, "k3s", "status");
        Commit(deployment, "MODIFIED");
    }
}
