using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CleanScheduler.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Kubernetes;

public sealed partial class KubeApiServerTestDouble
{
    // --- reads -------------------------------------------------------------------------------------------------------

    private Response GetLocked(ResourceInfo resource, string? ns, string name)
    {
        if (NamespaceMissing(resource, ns, creating: false) is { } missing && !_objects.ContainsKey(Key(resource, ns, name))) return missing;
        return _objects.TryGetValue(Key(resource, ns, name), out var stored) ? new Response(200, (JsonObject)stored.Object.DeepClone()) : NotFound(resource, name);
    }

    private Response ListLocked(ResourceInfo resource, string? ns, IQueryCollection query)
    {
        var selector = LabelSelector.Parse(query["labelSelector"].ToString());
        var items = _objects.Values.Where(s => s.Resource == resource && (ns is null || s.Namespace == ns) && selector.Matches(s.Object))
            .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        var listVersion = _resourceVersion;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            var (rv, start) = DecodeContinue(token);
            if (rv < _compactedBefore)
                return Failure(410, "Expired", "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.", null);
            items = items.Where(s => string.CompareOrdinal($"{s.Namespace}/{s.Name}", start) >= 0).ToList();
            listVersion = rv;
        }
        var metadata = new JsonObject { ["resourceVersion"] = listVersion.ToString(CultureInfo.InvariantCulture) };
        if (int.TryParse(query["limit"], out var limit) && limit > 0 && items.Count > limit)
        {
            metadata["continue"] = EncodeContinue(listVersion, $"{items[limit].Namespace}/{items[limit].Name}");
            metadata["remainingItemCount"] = items.Count - limit;
            items = items.Take(limit).ToList();
        }
        var array = new JsonArray();
        foreach (var item in items)
        {
            var copy = (JsonObject)item.Object.DeepClone();
            if (!resource.Custom) { copy.Remove("apiVersion"); copy.Remove("kind"); } // built-in list items come bare
            array.Add(copy);
        }
        return new Response(200, new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion, ["kind"] = resource.Kind + "List", ["metadata"] = metadata, ["items"] = array,
        });
    }

    private static string EncodeContinue(long rv, string start) =>
        System.Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { v = "meta.k8s.io/v1", rv, start }))).TrimEnd('=');

    private static (long Rv, string Start) DecodeContinue(string token)
    {
        try
        {
            var padded = token.PadRight(token.Length + (4 - token.Length % 4) % 4, '=');
            var node = JsonNode.Parse(Encoding.UTF8.GetString(System.Convert.FromBase64String(padded)))!;
            return ((long)node["rv"]!, (string)node["start"]!);
        }
        catch (Exception e) when (e is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            throw new BadRequest("continue key is not valid: " + e.Message);
        }
    }

    // --- writes ------------------------------------------------------------------------------------------------------

    private JsonObject ParseObject(string? body, bool yaml)
    {
        try
        {
            if (yaml && body is not null && !body.TrimStart().StartsWith('{'))
                return YamlJson.Documents(body).FirstOrDefault() ?? throw new BadRequest("the body is empty");
            return JsonNode.Parse(body ?? "") as JsonObject ?? throw new BadRequest("the body is not a JSON object");
        }
        catch (JsonException e) { throw new BadRequest($"the body could not be decoded: {e.Message}"); }
        catch (YamlDotNet.Core.YamlException e) { throw new BadRequest($"the body could not be decoded: {e.Message}"); }
    }

    private Response CreateFromRequestLocked(ResourceInfo resource, string? ns, string? body, string manager, IQueryCollection query, bool yaml)
    {
        var obj = ParseObject(body, yaml);
        var bodyNamespace = (string?)obj["metadata"]?["namespace"];
        if (resource.Namespaced && bodyNamespace is not null && bodyNamespace != ns)
            throw new BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        if (resource.Namespaced && ns is null) return Failure(405, "MethodNotAllowed", "create needs a namespace", null);
        return CreateLocked(resource, ns, obj, manager, Strict(query));
    }

    private Response CreateLocked(ResourceInfo resource, string? ns, JsonObject obj, string manager, bool strict = false)
    {
        var metadata = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = metadata;
        var name = (string?)metadata["name"];
        if (string.IsNullOrEmpty(name))
            return Invalid(resource, "", [new CrdSchema.Cause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")]);
        if (NamespaceMissing(resource, ns, creating: true) is { } missing) return missing;
        if (_objects.ContainsKey(Key(resource, ns, name)))
            return Failure(409, "AlreadyExists", $"{resource.GroupResource} \"{name}\" already exists", Details(resource, name));
        if (resource.HasStatus) obj.Remove("status");
        var (warnings, invalid) = Admit(resource, name, obj, strict);
        if (invalid is not null) return invalid;
        if (resource.Kind == "Lease" && LeaseTimeError(obj) is { } timeError) return Failure(400, "BadRequest", timeError, null);

        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
        foreach (var key in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "managedFields" }) metadata.Remove(key);
        if (resource.Namespaced) metadata["namespace"] = ns;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Now();
        if (resource.HasGeneration) metadata["generation"] = 1;
        if (resource.Kind == "Namespace")
        {
            var labels = metadata["labels"] as JsonObject ?? (JsonObject)(metadata["labels"] = new JsonObject());
            labels["kubernetes.io/metadata.name"] = name;
            obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }
        var stored = new Stored(resource, obj);
        TakeOwnershipOfChanges(stored, new JsonObject(), obj, manager, "");
        Commit(stored, "ADDED");
        if (resource.Kind == "CustomResourceDefinition") InstallLocked(stored.Object);
        var answer = new Response(201, (JsonObject)stored.Object.DeepClone(), warnings);
        if (Orphaned(stored)) DeleteLocked(resource, ns, name);   // the garbage collector, a moment after the create
        return answer;
    }

    /// <summary>CRD schema: prune unknown fields (warnings, or 400 when strict) and validate (422).</summary>
    private static (List<string> Warnings, Response? Invalid) Admit(ResourceInfo resource, string name, JsonObject obj, bool strict)
    {
        if (resource.Schema is null) return ([], null);
        var (pruned, causes) = resource.Schema.Check(obj);
        if (strict && pruned.Count > 0)
            return ([], Failure(400, "BadRequest", $"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: strict decoding error: {string.Join(", ", pruned.Select(p => $"unknown field \"{p}\""))}", null));
        return (pruned.Select(p => $"unknown field \"{p}\"").ToList(), causes.Count > 0 ? Invalid(resource, name, causes) : null);
    }

    private static Response Invalid(ResourceInfo resource, string name, IReadOnlyList<CrdSchema.Cause> causes)
    {
        var details = Details(resource, name, plural: false);
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field }).ToArray());
        var kind = resource.Group.Length == 0 ? resource.Kind : $"{resource.Kind}.{resource.Group}";
        return Failure(422, "Invalid", $"{kind} \"{name}\" is invalid: [{string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"))}]", details);
    }

    private static string? LeaseTimeError(JsonObject lease)
    {
        foreach (var field in new[] { "acquireTime", "renewTime" })
            if (lease["spec"]?[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String && !MicroTime().IsMatch(v.GetValue<string>()))
                return $"Lease in version \"v1\" cannot be handled as a Lease: parsing time \"{v.GetValue<string>()}\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse";
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")]
    private static partial Regex MicroTime();

    private Response ReplaceLocked(ResourceInfo resource, string? ns, string name, string? subresource, string? body, string manager, bool yaml, bool strict)
    {
        var obj = ParseObject(body, yaml);
        if ((string?)obj["metadata"]?["name"] != name) throw new BadRequest("the name of the object does not match the name on the URL");
        if (!_objects.TryGetValue(Key(resource, ns, name), out var stored)) return NotFound(resource, name);
        var given = (string?)obj["metadata"]?["resourceVersion"];
        if (string.IsNullOrEmpty(given) && resource.Custom)
            return Invalid(resource, name, [new CrdSchema.Cause("FieldValueInvalid", "Invalid value: 0x0: must be specified for an update", "metadata.resourceVersion")]);
        if (!string.IsNullOrEmpty(given) && given != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture)) return Stale(resource, name);
        if (resource.Kind == "Lease" && LeaseTimeError(obj) is { } timeError) return Failure(400, "BadRequest", timeError, null);
        return UpdateLocked(stored, obj, subresource ?? "", manager, "Update", null, strict);
    }

    private static Response Stale(ResourceInfo resource, string name) =>
        Failure(409, "Conflict", $"Operation cannot be fulfilled on {resource.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            Details(resource, name));

    /// <summary>
    /// Stores <paramref name="proposed"/> as the new state, keeping what the subresource may not change: the main
    /// resource keeps status, /status keeps everything else. No change: no write, same resourceVersion.
    /// </summary>
    private Response UpdateLocked(Stored stored, JsonObject proposed, string subresource, string manager, string operation,
        Dictionary<(string, string, string), (Dictionary<string, string[]>, string)>? owners, bool strict = false)
    {
        var resource = stored.Resource;
        var before = stored.Object;
        var next = (JsonObject)before.DeepClone();
        if (subresource == "status")
        {
            if (proposed["status"] is { } status) next["status"] = status.DeepClone(); else next.Remove("status");
        }
        else
        {
            var metadata = (JsonObject)next["metadata"]!;
            var proposedMetadata = proposed["metadata"] as JsonObject ?? [];
            foreach (var key in new[] { "labels", "annotations", "ownerReferences", "finalizers" })
            {
                if (proposedMetadata[key] is { } value) metadata[key] = value.DeepClone(); else metadata.Remove(key);
            }
            foreach (var (key, value) in proposed)
            {
                if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && resource.HasStatus)) continue;
                next[key] = value?.DeepClone();
            }
            foreach (var key in next.Select(p => p.Key).ToList())
                if (key is not ("metadata" or "apiVersion" or "kind") && !(key == "status" && resource.HasStatus) && !proposed.ContainsKey(key)) next.Remove(key);
        }
        var (warnings, invalid) = Admit(resource, stored.Name, next, strict);
        if (invalid is not null) return invalid;

        var nextFinalizers = (next["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => (string?)f).ToList();
        var oldFinalizers = (before["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => (string?)f).ToList();
        if (before["metadata"]?["deletionTimestamp"] is not null && nextFinalizers.Except(oldFinalizers).ToList() is { Count: > 0 } added)
        {
            var message = $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(a => $"\"{a}\""))}}}";
            return Invalid(resource, stored.Name, [new CrdSchema.Cause("FieldValueForbidden", message, "metadata.finalizers")]);
        }

        var oldOwners = Snapshot(stored.Owners);
        if (owners is not null) stored.Owners = owners;
        else TakeOwnershipOfChanges(stored, before, next, manager, subresource);
        var ownershipChanged = !SameOwners(oldOwners, stored.Owners);
        if (JsonNode.DeepEquals(before, next) && !ownershipChanged)
        {
            stored.Owners = oldOwners;
            return new Response(200, (JsonObject)before.DeepClone(), warnings); // nothing to write
        }
        if (resource.HasGeneration && SpecChanged(before, next))
            next["metadata"]!["generation"] = ((long?)before["metadata"]?["generation"] ?? 0) + 1;
        stored.Object = next;
        if (next["metadata"]?["deletionTimestamp"] is not null && nextFinalizers.Count == 0)
        {
            var last = (JsonObject)next.DeepClone(); // the answer shows the object as it was removed, at its old resourceVersion
            Commit(stored, "DELETED");
            CollectGarbage(stored);
            return new Response(200, last, warnings);
        }
        Commit(stored, "MODIFIED");
        return new Response(200, (JsonObject)stored.Object.DeepClone(), warnings);
    }

    private static Dictionary<(string, string, string), (Dictionary<string, string[]>, string)> Snapshot(
        Dictionary<(string Manager, string Operation, string Subresource), (Dictionary<string, string[]> Paths, string Time)> owners) =>
        owners.ToDictionary(o => o.Key, o => (new Dictionary<string, string[]>(o.Value.Paths, StringComparer.Ordinal), o.Value.Time));

    private static bool SameOwners(
        Dictionary<(string, string, string), (Dictionary<string, string[]> Paths, string Time)> a,
        Dictionary<(string, string, string), (Dictionary<string, string[]> Paths, string Time)> b)
    {
        var left = a.Where(x => x.Value.Paths.Count > 0).ToDictionary(x => x.Key, x => x.Value.Paths);
        var right = b.Where(x => x.Value.Paths.Count > 0).ToDictionary(x => x.Key, x => x.Value.Paths);
        return left.Count == right.Count && left.All(x => right.TryGetValue(x.Key, out var other) && other.Count == x.Value.Count && x.Value.Keys.All(other.ContainsKey));
    }

    private Response PatchLocked(ResourceInfo resource, string? ns, string name, string? subresource, string? contentType, string? body, string manager, IQueryCollection query)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        if (mediaType == "application/apply-patch+yaml") return ApplyLocked(resource, ns, name, subresource ?? "", body, query);
        if (mediaType == "application/json-patch+json") return JsonPatchLocked(resource, ns, name, subresource, body, manager, Strict(query));
        if (mediaType != "application/merge-patch+json")
            return Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", null);
        var patch = ParseObject(body, yaml: false);
        if (!_objects.TryGetValue(Key(resource, ns, name), out var stored)) return NotFound(resource, name);
        if ((string?)patch["metadata"]?["resourceVersion"] is { } pinned && pinned != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture)) return Stale(resource, name);
        var patched = (JsonObject)JsonFields.MergePatch(stored.Object, patch)!;
        if (resource.Kind == "Lease" && LeaseTimeError(patched) is { } timeError)
            return Invalid(resource, name, [new CrdSchema.Cause("FieldValueInvalid", timeError, "patch")]);
        return UpdateLocked(stored, patched, subresource ?? "", manager, "Update", null, Strict(query));
    }

    /// <summary>RFC 6902 JSON patch: add, remove, replace and test (a failed test is a 422 with a generic message).</summary>
    private Response JsonPatchLocked(ResourceInfo resource, string? ns, string name, string? subresource, string? body, string manager, bool strict)
    {
        JsonArray operations;
        try { operations = JsonNode.Parse(body ?? "") as JsonArray ?? throw new BadRequest("the patch is not a JSON array"); }
        catch (JsonException e) { throw new BadRequest("error decoding patch: " + e.Message); }
        if (!_objects.TryGetValue(Key(resource, ns, name), out var stored)) return NotFound(resource, name);
        var patched = (JsonObject)stored.Object.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var path = ((string?)operation["path"] ?? "").Split('/').Skip(1).Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();
            if (path.Length == 0) throw new BadRequest("the patch path is empty");
            var parent = path[..^1].Aggregate((JsonNode?)patched, (node, part) => node is JsonArray a && int.TryParse(part, out var i) ? a.ElementAtOrDefault(i) : node?[part]);
            var last = path[^1];
            var rejected = Failure(422, "Invalid", "the server rejected our request due to an error in our request", new JsonObject());
            switch ((string?)operation["op"])
            {
                case "test":
                    var current = parent is JsonArray ta && int.TryParse(last, out var ti) ? ta.ElementAtOrDefault(ti) : parent?[last];
                    if (!JsonNode.DeepEquals(current, operation["value"])) return rejected;
                    break;
                case "add" or "replace":
                    if (parent is JsonObject po) po[last] = operation["value"]?.DeepClone();
                    else if (parent is JsonArray pa) { if (last == "-") pa.Add(operation["value"]?.DeepClone()); else if (int.TryParse(last, out var ai) && ai <= pa.Count) pa.Insert(ai, operation["value"]?.DeepClone()); else return rejected; }
                    else return rejected;
                    break;
                case "remove":
                    if (parent is JsonObject ro && ro.ContainsKey(last)) ro.Remove(last);
                    else if (parent is JsonArray ra && int.TryParse(last, out var ri) && ri < ra.Count) ra.RemoveAt(ri);
                    else return rejected;
                    break;
                default:
                    return rejected;
            }
        }
        return UpdateLocked(stored, patched, subresource ?? "", manager, "Update", null, strict);
    }

    /// <summary>Server-side apply (see transcripts 04 and 04b).</summary>
    private Response ApplyLocked(ResourceInfo resource, string? ns, string name, string subresource, string? body, IQueryCollection query)
    {
        var manager = query["fieldManager"].ToString();
        if (manager.Length == 0)
            return new Response(422, Status("Failure", 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                new JsonObject
                {
                    ["group"] = "meta.k8s.io", ["kind"] = "PatchOptions",
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = "Required value: is required for apply patch", ["field"] = "fieldManager" }),
                }));
        var applied = ParseObject(body, yaml: true);
        if ((string?)applied["apiVersion"] != resource.ApiVersion || (string?)applied["kind"] != resource.Kind)
            throw new BadRequest($"Incorrect version specified in apply patch. Specified patch version: {(string?)applied["apiVersion"]}, expected: {resource.ApiVersion}");
        // An apply is merged as a typed object: a field the schema does not declare cannot be typed, whatever
        // fieldValidation says; the answer is a 500 without a reason, and nothing is stored (transcript 16).
        if (resource.Schema?.Undeclared(applied) is { Count: > 0 } undeclared)
        {
            var errors = undeclared.Select(p => $".{p}: field not declared in schema").ToList();
            var message = $"failed to create typed patch object ({ns}/{name}; {resource.Group}/{resource.Version}, Kind={resource.Kind}): "
                + (errors.Count == 1 ? errors[0] : "errors:\n  " + string.Join("\n  ", errors));
            return new Response(500, Status("Failure", 500, null, message, null));
        }
        var force = query["force"] == "true";
        if (!_objects.TryGetValue(Key(resource, ns, name), out var stored))
        {
            if (subresource.Length > 0) return NotFound(resource, name);
            ((JsonObject)(applied["metadata"] ??= new JsonObject()))["name"] = name;
            var created = CreateLocked(resource, ns, (JsonObject)applied.DeepClone(), manager);
            if (created.Status == 201 && _objects.TryGetValue(Key(resource, ns, name), out var fresh))
            {
                fresh.Owners.Clear();
                fresh.Owners[(manager, "Apply", "")] = (Scope(JsonFields.Leaves(Scoped(resource, applied, "")), ""), Now());
                RenderManagedFields(fresh);
                return created with { Body = (JsonObject)fresh.Object.DeepClone() };
            }
            return created;
        }

        var intent = Scoped(resource, applied, subresource);
        var leaves = Scope(JsonFields.Leaves(intent), subresource);
        var owners = Snapshot(stored.Owners);
        var conflicts = new List<(string Manager, string[] Path)>();
        foreach (var (key, path) in leaves)
            foreach (var (owner, (paths, _)) in owners)
            {
                if (owner.Item1 == manager || !paths.ContainsKey(key)) continue;
                if (JsonNode.DeepEquals(JsonFields.Get(stored.Object, path), JsonFields.Get(intent, path))) continue; // same value: shared ownership
                if (force) paths.Remove(key); else conflicts.Add((owner.Item1, path));
            }
        if (conflicts.Count > 0)
        {
            var byManager = conflicts.GroupBy(c => c.Manager).Select(g => $"conflicts with \"{g.Key}\":\n{string.Join("\n", g.Select(c => "- " + JsonFields.Display(c.Path)))}");
            return Failure(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: {string.Join("\n", byManager)}",
                new JsonObject
                {
                    ["causes"] = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
                    {
                        ["reason"] = "FieldManagerConflict", ["message"] = $"conflict with \"{c.Manager}\"", ["field"] = JsonFields.Display(c.Path),
                    }).ToArray()),
                });
        }

        var next = (JsonObject)stored.Object.DeepClone();
        var mine = (manager, "Apply", subresource);
        var previous = owners.TryGetValue(mine, out var had) ? had.Item1 : new Dictionary<string, string[]>();
        foreach (var (key, path) in previous)
        {
            if (leaves.ContainsKey(key)) continue;
            if (owners.Any(o => o.Key != mine && o.Value.Item1.ContainsKey(key))) continue;
            JsonFields.Remove(next, path); // applied before, left out now, nobody else owns it: deleted
        }
        JsonFields.Merge(next, intent);
        next["metadata"] = next["metadata"] ?? new JsonObject();
        var unchangedLeaves = previous.Count == leaves.Count && previous.Keys.All(leaves.ContainsKey);
        owners[mine] = (leaves, unchangedLeaves && had.Item2 is not null ? had.Item2 : Now());
        return UpdateLocked(stored, next, subresource, manager, "Apply", owners);
    }

    /// <summary>What an apply may touch: the main resource ignores status (when it has the subresource); /status is status only.</summary>
    private static JsonObject Scoped(ResourceInfo resource, JsonObject applied, string subresource)
    {
        var scoped = new JsonObject();
        foreach (var (key, value) in applied)
        {
            if (key is "apiVersion" or "kind") continue;
            if (subresource == "status" ? key != "status" : key == "status" && resource.HasStatus) continue;
            if (key == "metadata" && value is JsonObject metadata)
            {
                var kept = new JsonObject();
                foreach (var (mkey, mvalue) in metadata)
                    if (mkey is "labels" or "annotations" or "ownerReferences" or "finalizers") kept[mkey] = mvalue?.DeepClone();
                if (subresource != "status") scoped["metadata"] = kept;
                continue;
            }
            scoped[key] = value?.DeepClone();
        }
        return scoped;
    }

    private static Dictionary<string, string[]> Scope(Dictionary<string, string[]> leaves, string subresource) =>
        subresource == "status" ? leaves.Where(l => l.Value[0] == "status").ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal) : leaves;

    // --- delete and garbage collection ------------------------------------------------------------------------------

    private Response DeleteLocked(ResourceInfo resource, string? ns, string name)
    {
        if (!_objects.TryGetValue(Key(resource, ns, name), out var stored)) return NotFound(resource, name);
        var metadata = (JsonObject)stored.Object["metadata"]!;
        if (metadata["deletionTimestamp"] is not null) return new Response(200, (JsonObject)stored.Object.DeepClone());
        var finalizers = metadata["finalizers"] as JsonArray;
        var namespaceFinalizers = resource.Kind == "Namespace";
        if (finalizers is { Count: > 0 } || namespaceFinalizers)
        {
            metadata["deletionTimestamp"] = Now();
            metadata["deletionGracePeriodSeconds"] = 0;
            if (resource.HasGeneration) metadata["generation"] = ((long?)metadata["generation"] ?? 0) + 1;
            if (namespaceFinalizers) stored.Object["status"] = new JsonObject { ["phase"] = "Terminating" };
            Commit(stored, "MODIFIED");
            var response = new Response(200, (JsonObject)stored.Object.DeepClone());
            if (namespaceFinalizers) TerminateNamespace(stored);
            return response;
        }
        Commit(stored, "DELETED");
        CollectGarbage(stored);
        if (resource.Kind == "CustomResourceDefinition") UninstallLocked(stored.Object);
        var details = Details(resource, name);
        details["uid"] = stored.Uid;
        return new Response(200, Status("Success", 200, null, null, details));
    }

    /// <summary>The namespace controller: delete everything inside, then the namespace once it is empty.</summary>
    private void TerminateNamespace(Stored ns)
    {
        foreach (var inside in _objects.Values.Where(o => o.Resource.Namespaced && o.Namespace == ns.Name).ToList())
            if (_objects.ContainsKey(Key(inside.Resource, inside.Namespace, inside.Name))) DeleteLocked(inside.Resource, inside.Namespace, inside.Name);
        if (!_objects.Values.Any(o => o.Resource.Namespaced && o.Namespace == ns.Name)) Commit(ns, "DELETED");
    }

    /// <summary>
    /// Every owner of the object is gone (no stored object has its uid): the garbage collector deletes it, as it deletes
    /// an object created with an ownerReference to an owner already deleted (say, by a controller that had not seen the delete).
    /// </summary>
    private bool Orphaned(Stored stored) => stored.Object["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 } owners
        && owners.All(o => (string?)o?["uid"] is not { } uid || !_uids.Contains(uid));

    /// <summary>The garbage collector: dependents whose owner is gone are deleted (in the real cluster ~0.1 s later).</summary>
    private void CollectGarbage(Stored owner)
    {
        var dependents = _objects.Values.Where(o => (o.Object["metadata"]?["ownerReferences"] as JsonArray ?? [])
            .Any(r => (string?)r?["uid"] == owner.Uid)).ToList();
        foreach (var dependent in dependents)
            if (_objects.ContainsKey(Key(dependent.Resource, dependent.Resource.Namespaced ? dependent.Namespace : null, dependent.Name)))
                DeleteLocked(dependent.Resource, dependent.Resource.Namespaced ? dependent.Namespace : null, dependent.Name);
        if (owner.Resource.Namespaced && _objects.TryGetValue(Key(_resources[("", "v1", "namespaces")], null, owner.Namespace), out var ns)
            && ns.Object["metadata"]?["deletionTimestamp"] is not null && !_objects.Values.Any(o => o.Resource.Namespaced && o.Namespace == owner.Namespace))
            Commit(ns, "DELETED");
    }

    // --- watch -------------------------------------------------------------------------------------------------------

    /// <summary>The index of the first event of the history after <paramref name="resourceVersion"/>. Caller holds the lock.</summary>
    private int FirstEventAfter(long resourceVersion)
    {
        int low = 0, high = _events.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_events[mid].ResourceVersion > resourceVersion) high = mid; else low = mid + 1;
        }
        return low;
    }

    private async Task WatchAsync(HttpContext context, ResourceInfo resource, string? ns)
    {
        var query = context.Request.Query;
        var selector = LabelSelector.Parse(query["labelSelector"].ToString());
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
        var requested = query["resourceVersion"].ToString();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _breakWatches.Token);
        var broken = _breakWatches.Token;
        if (timeout != Timeout.InfiniteTimeSpan) stop.CancelAfter(timeout);

        long last;
        var initial = new List<JsonObject>();
        lock (_gate)
        {
            if (requested is "" or "0")
            {
                initial.AddRange(_objects.Values.Where(s => s.Resource == resource && (ns is null || s.Namespace == ns) && selector.Matches(s.Object))
                    .Select(s => (JsonObject)s.Object.DeepClone()));
                last = _resourceVersion;
            }
            else if (!long.TryParse(requested, out last))
            {
                last = -1;
            }
        }
        if (last < 0) { await WriteAsync(context, Failure(400, "BadRequest", $"invalid resource version \"{requested}\"", null)); return; }
        try
        {
            if (last < _compactedBefore && requested is not ("" or "0"))
            {
                await WriteLineAsync(context, new JsonObject
                {
                    ["type"] = "ERROR",
                    ["object"] = Status("Failure", 410, "Expired", $"too old resource version: {last} ({_compactedBefore})", null),
                });
                return;
            }
            foreach (var item in initial) await WriteLineAsync(context, new JsonObject { ["type"] = "ADDED", ["object"] = item });
            await context.Response.Body.FlushAsync(stop.Token);
            var nextBookmark = DateTime.UtcNow + BookmarkInterval;
            while (!stop.IsCancellationRequested)
            {
                List<StoredEvent> pending;
                Task signal;
                lock (_gate)
                {
                    signal = _changed.Task;
                    // The history is in resourceVersion order: start after the last event sent rather than scan it all
                    // (up to MaxEventHistory events, for every watch, on every write, under the lock).
                    pending = [];
                    for (var i = FirstEventAfter(last); i < _events.Count; i++)
                        if (_events[i] is var e && e.Resource == resource && (ns is null || e.Namespace == ns) && selector.Matches(e.Object)) pending.Add(e);
                    if (_events.Count > 0 && _events[^1].ResourceVersion > last) last = _events[^1].ResourceVersion;
                }
                foreach (var e in pending)
                    await WriteLineAsync(context, new JsonObject { ["type"] = e.Type, ["object"] = e.Object.DeepClone() });
                if (pending.Count > 0) await context.Response.Body.FlushAsync(stop.Token);
                if (bookmarks && DateTime.UtcNow >= nextBookmark)
                {
                    await WriteLineAsync(context, new JsonObject
                    {
                        ["type"] = "BOOKMARK",
                        ["object"] = new JsonObject
                        {
                            ["kind"] = resource.Kind, ["apiVersion"] = resource.ApiVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = last.ToString(CultureInfo.InvariantCulture) },
                        },
                    });
                    await context.Response.Body.FlushAsync(stop.Token);
                    nextBookmark = DateTime.UtcNow + BookmarkInterval;
                }
                var wait = bookmarks ? nextBookmark - DateTime.UtcNow : TimeSpan.FromMinutes(10);
                try { await signal.WaitAsync(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, stop.Token); }
                catch (TimeoutException) { }
            }
        }
        catch (OperationCanceledException) { }
        if (broken.IsCancellationRequested) context.Abort(); // a broken connection, not a clean end of stream
    }

    private static async Task WriteLineAsync(HttpContext context, JsonObject line) =>
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"));

    /// <summary>Equality-based selectors: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, comma-separated.</summary>
    private sealed record LabelSelector(IReadOnlyList<Func<JsonObject?, bool>> Terms)
    {
        public static LabelSelector Parse(string text)
        {
            var terms = new List<Func<JsonObject?, bool>>();
            foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (raw.Contains("!="))
                {
                    var (k, v) = (raw[..raw.IndexOf("!=", StringComparison.Ordinal)], raw[(raw.IndexOf("!=", StringComparison.Ordinal) + 2)..]);
                    terms.Add(l => (string?)l?[k] != v);
                }
                else if (raw.Contains('='))
                {
                    var parts = raw.Split('=', StringSplitOptions.RemoveEmptyEntries);
                    var (k, v) = (parts[0], parts.Length > 1 ? parts[^1] : "");
                    terms.Add(l => (string?)l?[k] == v);
                }
                else if (raw.StartsWith('!')) terms.Add(l => l?.ContainsKey(raw[1..]) != true);
                else terms.Add(l => l?.ContainsKey(raw) == true);
            }
            return new LabelSelector(terms);
        }

        public bool Matches(JsonObject obj) => Terms.All(t => t(obj["metadata"]?["labels"] as JsonObject));
    }
}
