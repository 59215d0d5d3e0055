using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CleanScheduler.Kubernetes.UnitTests;

/// <summary>
/// The part of the Kubernetes API reference our manifests use, written down as the field paths each kind accepts
/// (<c>[]</c> an array element, <c>*</c> any map key) and the rules the API server enforces on names, labels,
/// quantities and ports. It stands in for <c>kubectl apply --dry-run=server</c>, which needs a cluster.
/// </summary>
public static partial class KubernetesSchema
{
    private static readonly string[] Metadata =
    [
        "metadata", "metadata.name", "metadata.namespace", "metadata.labels", "metadata.labels.*", "metadata.annotations", "metadata.annotations.*",
        "metadata.ownerReferences", "metadata.ownerReferences[]", "metadata.ownerReferences[].apiVersion", "metadata.ownerReferences[].kind",
        "metadata.ownerReferences[].name", "metadata.ownerReferences[].uid", "metadata.ownerReferences[].controller",
        "metadata.ownerReferences[].blockOwnerDeletion",
    ];

    private static readonly string[] Selector = ["", ".matchLabels", ".matchLabels.*"];

    private static string[] PeerPaths(string at) =>
    [
        at, $"{at}[]", .. Selector.Select(s => $"{at}[].podSelector{s}"), .. Selector.Select(s => $"{at}[].namespaceSelector{s}"),
        $"{at}[].ipBlock", $"{at}[].ipBlock.cidr", $"{at}[].ipBlock.except", $"{at}[].ipBlock.except[]",
    ];

    private static string[] ProbePaths(string at) =>
    [
        at, $"{at}.httpGet", $"{at}.httpGet.path", $"{at}.httpGet.port", $"{at}.initialDelaySeconds", $"{at}.periodSeconds", $"{at}.failureThreshold",
    ];

    private static readonly string C = "spec.template.spec.containers[]";

    public static readonly Dictionary<string, HashSet<string>> Allowed = new()
    {
        ["v1/Namespace"] = [.. Metadata],
        ["v1/ResourceQuota"] = [.. Metadata, "spec", "spec.hard", "spec.hard.*"],
        ["v1/LimitRange"] = [.. Metadata, "spec", "spec.limits", "spec.limits[]", "spec.limits[].type", "spec.limits[].default", "spec.limits[].default.*",
            "spec.limits[].defaultRequest", "spec.limits[].defaultRequest.*", "spec.limits[].max", "spec.limits[].max.*"],
        ["networking.k8s.io/v1/NetworkPolicy"] = [.. Metadata, "spec", .. Selector.Select(s => $"spec.podSelector{s}"), "spec.policyTypes", "spec.policyTypes[]",
            "spec.ingress", "spec.ingress[]", .. PeerPaths("spec.ingress[].from"), "spec.ingress[].ports", "spec.ingress[].ports[]",
            "spec.ingress[].ports[].protocol", "spec.ingress[].ports[].port",
            "spec.egress", "spec.egress[]", .. PeerPaths("spec.egress[].to"), "spec.egress[].ports", "spec.egress[].ports[]",
            "spec.egress[].ports[].protocol", "spec.egress[].ports[].port"],
        ["v1/Secret"] = [.. Metadata, "type", "stringData", "stringData.*", "data", "data.*"],
        ["external-secrets.io/v1beta1/ExternalSecret"] = [.. Metadata, "spec", "spec.refreshInterval", "spec.secretStoreRef", "spec.secretStoreRef.name",
            "spec.secretStoreRef.kind", "spec.target", "spec.target.name", "spec.target.creationPolicy", "spec.data", "spec.data[]", "spec.data[].secretKey",
            "spec.data[].remoteRef", "spec.data[].remoteRef.key", "spec.data[].remoteRef.property"],
        ["v1/ConfigMap"] = [.. Metadata, "data", "data.*"],
        ["apps/v1/Deployment"] = [.. Metadata, "spec", "spec.replicas", "spec.revisionHistoryLimit", .. Selector.Select(s => $"spec.selector{s}"),
            "spec.template", "spec.template.metadata", "spec.template.metadata.labels", "spec.template.metadata.labels.*",
            "spec.template.metadata.annotations", "spec.template.metadata.annotations.*", "spec.template.spec",
            "spec.template.spec.automountServiceAccountToken", "spec.template.spec.enableServiceLinks", "spec.template.spec.securityContext",
            "spec.template.spec.securityContext.seccompProfile", "spec.template.spec.securityContext.seccompProfile.type",
            "spec.template.spec.containers", C, $"{C}.name", $"{C}.image", $"{C}.command", $"{C}.command[]", $"{C}.args", $"{C}.args[]",
            $"{C}.ports", $"{C}.ports[]", $"{C}.ports[].name", $"{C}.ports[].containerPort", $"{C}.ports[].protocol",
            $"{C}.env", $"{C}.env[]", $"{C}.env[].name", $"{C}.env[].value", $"{C}.env[].valueFrom", $"{C}.env[].valueFrom.secretKeyRef",
            $"{C}.env[].valueFrom.secretKeyRef.name", $"{C}.env[].valueFrom.secretKeyRef.key",
            $"{C}.resources", $"{C}.resources.requests", $"{C}.resources.requests.*", $"{C}.resources.limits", $"{C}.resources.limits.*",
            .. ProbePaths($"{C}.readinessProbe"), .. ProbePaths($"{C}.livenessProbe"),
            $"{C}.securityContext", $"{C}.securityContext.allowPrivilegeEscalation", $"{C}.securityContext.privileged",
            $"{C}.securityContext.capabilities", $"{C}.securityContext.capabilities.drop", $"{C}.securityContext.capabilities.drop[]",
            $"{C}.securityContext.capabilities.add", $"{C}.securityContext.capabilities.add[]",
            $"{C}.securityContext.seccompProfile", $"{C}.securityContext.seccompProfile.type",
            $"{C}.volumeMounts", $"{C}.volumeMounts[]", $"{C}.volumeMounts[].name", $"{C}.volumeMounts[].mountPath", $"{C}.volumeMounts[].subPath",
            $"{C}.volumeMounts[].readOnly", "spec.template.spec.volumes", "spec.template.spec.volumes[]", "spec.template.spec.volumes[].name",
            "spec.template.spec.volumes[].configMap", "spec.template.spec.volumes[].configMap.name"],
        ["v1/Service"] = [.. Metadata, "spec", "spec.type", "spec.selector", "spec.selector.*", "spec.ports", "spec.ports[]", "spec.ports[].name",
            "spec.ports[].port", "spec.ports[].targetPort", "spec.ports[].protocol"],
        ["networking.k8s.io/v1/Ingress"] = [.. Metadata, "spec", "spec.ingressClassName", "spec.tls", "spec.tls[]", "spec.tls[].hosts", "spec.tls[].hosts[]",
            "spec.tls[].secretName", "spec.rules", "spec.rules[]", "spec.rules[].host", "spec.rules[].http", "spec.rules[].http.paths",
            "spec.rules[].http.paths[]", "spec.rules[].http.paths[].path", "spec.rules[].http.paths[].pathType", "spec.rules[].http.paths[].backend",
            "spec.rules[].http.paths[].backend.service", "spec.rules[].http.paths[].backend.service.name", "spec.rules[].http.paths[].backend.service.port",
            "spec.rules[].http.paths[].backend.service.port.number"],
    };

    /// <summary>Every problem the API server would report for this object (empty when it would accept it).</summary>
    public static List<string> Problems(JsonObject item)
    {
        var problems = new List<string>();
        var apiVersion = item["apiVersion"]?.GetValue<string>();
        var kind = item["kind"]?.GetValue<string>();
        var name = item["metadata"]?["name"]?.GetValue<string>() ?? "";
        var key = $"{apiVersion}/{kind}";
        if (!Allowed.TryGetValue(key, out var allowed)) return [$"{key} is not a kind we render"];
        void Problem(string message) => problems.Add($"{key} {name}: {message}");

        foreach (var path in Paths(item, "")) if (path.Length > 0 && !allowed.Contains(path) && path is not "apiVersion" and not "kind") Problem($"unknown field {path}");

        var nameRule = kind is "Service" or "Namespace" ? Dns1123Label() : Dns1123Subdomain();
        if (!nameRule.IsMatch(name) || name.Length > (kind is "Service" or "Namespace" ? 63 : 253)) Problem($"invalid name '{name}'");
        if (kind == "Service" && !char.IsAsciiLetter(name[0])) Problem("a Service name must start with a letter");
        if (kind != "Namespace" && item["metadata"]?["namespace"] is null) Problem("namespaced object without metadata.namespace");
        if (kind == "Namespace" && item["metadata"]?["ownerReferences"] is not null) Problem("a cluster-scoped object cannot be owned by a namespaced one");

        foreach (var labels in Find(item, "labels").Concat(Find(item, "matchLabels")).Concat(Find(item, "selector").Where(_ => kind == "Service")))
            foreach (var (labelKey, labelValue) in labels.AsObject())
            {
                if (!IsQualifiedName(labelKey)) Problem($"invalid label key '{labelKey}'");
                var value = labelValue?.GetValue<string>() ?? "";
                if (value.Length > 63 || !LabelValue().IsMatch(value)) Problem($"invalid label value '{value}'");
            }
        foreach (var annotations in Find(item, "annotations"))
            foreach (var (annotationKey, value) in annotations.AsObject())
            {
                if (!IsQualifiedName(annotationKey)) Problem($"invalid annotation key '{annotationKey}'");
                if (value?.GetValueKind() != JsonValueKind.String) Problem($"annotation {annotationKey} must be a string");
            }

        foreach (var (path, value) in Leaves(item, ""))
        {
            if (Regex.IsMatch(path, @"(resources\.(requests|limits)|spec\.hard|spec\.limits\[\]\.(default|defaultRequest|max))\.[^.]+$"))
                if (value?.GetValueKind() != JsonValueKind.String || !QuantityPattern().IsMatch(value.GetValue<string>()))
                    Problem($"{path} is not a quantity string");
            if (path.EndsWith("containerPort", StringComparison.Ordinal) || path.EndsWith("ports[].port", StringComparison.Ordinal) || path.EndsWith("port.number", StringComparison.Ordinal))
                if (value?.GetValueKind() != JsonValueKind.Number || value.GetValue<int>() is < 1 or > 65535) Problem($"{path} must be a port number");
            if (path.EndsWith("protocol", StringComparison.Ordinal) && value?.GetValue<string>() is not ("TCP" or "UDP" or "SCTP")) Problem($"{path} has an unknown protocol");
            if (path.EndsWith("pathType", StringComparison.Ordinal) && value?.GetValue<string>() is not ("Prefix" or "Exact" or "ImplementationSpecific")) Problem($"{path} has an unknown pathType");
            if (path == "spec.policyTypes[]" && value?.GetValue<string>() is not ("Ingress" or "Egress")) Problem($"{path} has an unknown policy type");
            if (path == "spec.replicas" && (value?.GetValueKind() != JsonValueKind.Number || value.GetValue<int>() < 0)) Problem("replicas must be a non-negative number");
            if (path.EndsWith("httpGet.port", StringComparison.Ordinal) && value?.GetValueKind() != JsonValueKind.Number) Problem($"{path} must be a number here");
            if (path.EndsWith(".name", StringComparison.Ordinal) && path.Contains("ports[]") && (value?.GetValue<string>() is not { Length: <= 15 } portName || !Dns1123Label().IsMatch(portName)))
                Problem($"{path} is not an IANA service name");
            if (path.EndsWith("env[].name", StringComparison.Ordinal) && !EnvName().IsMatch(value!.GetValue<string>())) Problem($"{path} is not a valid variable name");
            if ((path.StartsWith("data.", StringComparison.Ordinal) || path.StartsWith("stringData.", StringComparison.Ordinal)) && !DataKey().IsMatch(path[(path.IndexOf('.') + 1)..]))
                Problem($"{path} is not a valid data key");
            if ((path.EndsWith(".host", StringComparison.Ordinal) || path.EndsWith("hosts[]", StringComparison.Ordinal)) && !Dns1123Subdomain().IsMatch(value!.GetValue<string>()))
                Problem($"{path} is not a DNS name");
            if (path.EndsWith("paths[].path", StringComparison.Ordinal) && !value!.GetValue<string>().StartsWith('/')) Problem($"{path} must be absolute");
            if (path.EndsWith("mountPath", StringComparison.Ordinal) && !value!.GetValue<string>().StartsWith('/')) Problem($"{path} must be absolute");
            if (path.EndsWith("seccompProfile.type", StringComparison.Ordinal) && value?.GetValue<string>() is not ("RuntimeDefault" or "Localhost" or "Unconfined"))
                Problem($"{path} has an unknown seccomp profile type");
            if (path.Contains("capabilities.", StringComparison.Ordinal) && value?.GetValueKind() != JsonValueKind.String) Problem($"{path} must be a capability name");
            if ((path.EndsWith("allowPrivilegeEscalation", StringComparison.Ordinal) || path.EndsWith("securityContext.privileged", StringComparison.Ordinal))
                && value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                Problem($"{path} must be a boolean");
        }

        // ipBlock: a CIDR, and every "except" a strict subset of it (the API server's NetworkPolicy validation)
        foreach (var block in Find(item, "ipBlock"))
        {
            if (!System.Net.IPNetwork.TryParse(block["cidr"]?.GetValue<string>(), out var cidr)) { Problem($"invalid ipBlock cidr '{block["cidr"]}'"); continue; }
            foreach (var except in block["except"]?.AsArray() ?? [])
                if (!System.Net.IPNetwork.TryParse(except?.GetValue<string>(), out var inner) || inner.BaseAddress.AddressFamily != cidr.BaseAddress.AddressFamily
                    || inner.PrefixLength <= cidr.PrefixLength || !cidr.Contains(inner.BaseAddress))
                    Problem($"ipBlock except '{except}' is not a strict subset of {block["cidr"]}");
        }

        if (kind == "Deployment")
        {
            var selector = item["spec"]?["selector"]?["matchLabels"]?.AsObject();
            var podLabels = item["spec"]?["template"]?["metadata"]?["labels"]?.AsObject();
            if (selector is null || podLabels is null || selector.Any(kv => podLabels[kv.Key]?.GetValue<string>() != kv.Value?.GetValue<string>()))
                Problem("the selector does not match the pod template's labels");
            if (item["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 }) Problem("a Deployment needs containers");
        }
        return problems;
    }

    private static IEnumerable<string> Paths(JsonNode? node, string at)
    {
        yield return at;
        switch (node)
        {
            case JsonObject o:
                var mapLike = at.EndsWith("labels", StringComparison.Ordinal) || at.EndsWith("annotations", StringComparison.Ordinal)
                    || at.EndsWith("matchLabels", StringComparison.Ordinal) || at is "data" or "stringData" or "spec.hard"
                    || (at == "spec.selector" && !o.ContainsKey("matchLabels"))   // a Service's selector is a map; a Deployment's is a LabelSelector
                    || at.EndsWith(".requests", StringComparison.Ordinal) || at.EndsWith(".limits", StringComparison.Ordinal)
                    || at.EndsWith(".default", StringComparison.Ordinal) || at.EndsWith(".defaultRequest", StringComparison.Ordinal)
                    || at.EndsWith(".max", StringComparison.Ordinal);
                foreach (var (k, v) in o)
                    foreach (var p in Paths(v, mapLike ? $"{at}.*" : at.Length == 0 ? k : $"{at}.{k}")) yield return p;
                break;
            case JsonArray a:
                foreach (var v in a) foreach (var p in Paths(v, $"{at}[]")) yield return p;
                break;
        }
    }

    private static IEnumerable<(string Path, JsonNode? Value)> Leaves(JsonNode? node, string at)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o) foreach (var leaf in Leaves(v, at.Length == 0 ? k : $"{at}.{k}")) yield return leaf;
                break;
            case JsonArray a:
                foreach (var v in a) foreach (var leaf in Leaves(v, $"{at}[]")) yield return leaf;
                break;
            default:
                yield return (at, node);
                break;
        }
    }

    private static IEnumerable<JsonNode> Find(JsonNode? node, string name)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (k == name && v is JsonObject) yield return v;
                    foreach (var found in Find(v, name)) yield return found;
                }
                break;
            case JsonArray a:
                foreach (var v in a) foreach (var found in Find(v, name)) yield return found;
                break;
        }
    }

    private static bool IsQualifiedName(string key)
    {
        var slash = key.IndexOf('/');
        var (prefix, name) = slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
        return (prefix.Length == 0 || (prefix.Length <= 253 && Dns1123Subdomain().IsMatch(prefix))) && name.Length is > 0 and <= 63 && QualifiedName().IsMatch(name);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")] private static partial Regex Dns1123Label();
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")] private static partial Regex Dns1123Subdomain();
    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")] private static partial Regex LabelValue();
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")] private static partial Regex QualifiedName();
    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$")] private static partial Regex QuantityPattern();
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")] private static partial Regex EnvName();
    [GeneratedRegex(@"^[-._a-zA-Z0-9]+$")] private static partial Regex DataKey();
}
