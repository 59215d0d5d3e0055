using System.Globalization;
using CleanScheduler.Domain.Templates;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// Reads a template spec from YAML, strictly: unknown keys, wrong types, missing fields, anchors/aliases and
/// more than one document are errors, each reported with its line, column and field path, together with the
/// rule violations of <see cref="TemplateSpecRules"/>.
/// </summary>
public static class TemplateSpecYaml
{
    public const int MaxBytes = 256 * 1024;
    public const int MaxDepth = 12;

    public static TemplateSpec? Parse(string? yaml, out IReadOnlyList<SpecError> errors)
    {
        var reader = new SpecReader();
        errors = reader.Errors;
        if (string.IsNullOrWhiteSpace(yaml)) { reader.Error(1, 1, "", "The spec is empty; it needs a 'services' list."); return null; }
        if (System.Text.Encoding.UTF8.GetByteCount(yaml) > MaxBytes) { reader.Error(1, 1, "", $"The spec is larger than {MaxBytes / 1024} KiB."); return null; }
        if (!PreScan(yaml, reader)) return null;

        YamlNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0)   // only comments (or a bare "..."): no document at all
            {
                reader.Error(1, 1, "", "The spec is empty; it needs a 'services' list.");
                return null;
            }
            root = stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            reader.Error((int)e.End.Line, (int)e.End.Column, "", Clean(e));
            return null;
        }

        var spec = reader.ReadSpec(root);
        if (spec is not null)   // built (unknown keys are reported and skipped): check the rules too, so one pass shows everything
            foreach (var problem in TemplateSpecRules.Validate(spec))
            {
                var (line, column) = reader.Locate(problem.Path);
                reader.Error(line, column, problem.Path, problem.Message);
            }
        reader.Sort();
        return reader.Errors.Count == 0 ? spec : null;
    }

    /// <summary>Walks the event stream (no recursion) to refuse what would be costly or ambiguous to load.</summary>
    private static bool PreScan(string yaml, SpecReader reader)
    {
        try
        {
            var parser = new Parser(new StringReader(yaml));
            int depth = 0, documents = 0;
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                switch (current)
                {
                    case AnchorAlias:
                        reader.Error((int)current.Start.Line, (int)current.Start.Column, "", "Anchors and aliases (*name) are not supported in templates.");
                        return false;
                    case NodeEvent { Anchor.IsEmpty: false }:
                        reader.Error((int)current.Start.Line, (int)current.Start.Column, "", "Anchors (&name) are not supported in templates.");
                        return false;
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            reader.Error((int)current.Start.Line, (int)current.Start.Column, "", "A template holds one YAML document.");
                            return false;
                        }
                        break;
                    case MappingStart or SequenceStart:
                        if (++depth > MaxDepth)
                        {
                            reader.Error((int)current.Start.Line, (int)current.Start.Column, "", $"Nested deeper than {MaxDepth} levels.");
                            return false;
                        }
                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }
            return true;
        }
        catch (YamlException e)
        {
            reader.Error((int)e.End.Line, (int)e.End.Column, "", Clean(e));
            return false;
        }
    }

    /// <summary>The parser's message, reported where the problem was found, with where the construct began when that differs.</summary>
    private static string Clean(YamlException e)
    {
        var message = (e.InnerException?.Message ?? e.Message).TrimEnd('.');
        var began = e.Start.Line != e.End.Line || e.Start.Column != e.End.Column ? $" (it began at line {e.Start.Line}, column {e.Start.Column})" : "";
        return $"Not valid YAML: {message}{began}.";
    }

    /// <summary>Builds the spec node by node, remembering where each field path is so that rule violations get a line.</summary>
    private sealed class SpecReader
    {
        private readonly Dictionary<string, (int Line, int Column)> _where = new(StringComparer.Ordinal);

        public List<SpecError> Errors { get; } = [];

        public void Error(int line, int column, string path, string message) => Errors.Add(new SpecError(Math.Max(line, 1), Math.Max(column, 1), path, message));

        public void Sort() => Errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));

        public (int Line, int Column) Locate(string path)
        {
            for (var candidate = path; candidate.Length > 0; candidate = Parent(candidate))
                if (_where.TryGetValue(candidate, out var at)) return at;
            return (1, 1);
        }

        private static string Parent(string path)
        {
            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            return cut <= 0 ? "" : path[..cut];
        }

        private void Remember(string path, YamlNode node) => _where[path] = ((int)node.Start.Line, (int)node.Start.Column);

        private void Error(YamlNode node, string path, string message) => Error((int)node.Start.Line, (int)node.Start.Column, path, message);

        public TemplateSpec? ReadSpec(YamlNode root)
        {
            var fields = Mapping(root, "", ["services"], ["services"]);
            if (fields is null) return null;
            var services = Sequence(fields["services"], "services", (node, path) => ReadService(node, path));
            return services is null ? null : new TemplateSpec(services);
        }

        private ServiceSpec? ReadService(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["name", "image", "replicas", "command", "args", "ports", "env", "resources", "healthCheck", "configFiles", "secretMounts"], ["name", "image"]);
            if (f is null) return null;
            var name = String(f["name"], $"{at}.name");
            var image = String(f["image"], $"{at}.image");
            var replicas = f.TryGetValue("replicas", out var r) ? Int(r, $"{at}.replicas") : 1;
            var command = f.TryGetValue("command", out var c) ? Sequence(c, $"{at}.command", String) : [];
            var args = f.TryGetValue("args", out var a) ? Sequence(a, $"{at}.args", String) : [];
            var ports = f.TryGetValue("ports", out var p) ? Sequence(p, $"{at}.ports", ReadPort) : [];
            var env = f.TryGetValue("env", out var e) ? Sequence(e, $"{at}.env", ReadEnv) : [];
            var resources = f.TryGetValue("resources", out var res) ? ReadResources(res, $"{at}.resources") : null;
            var health = f.TryGetValue("healthCheck", out var h) ? ReadHealth(h, $"{at}.healthCheck") : null;
            var files = f.TryGetValue("configFiles", out var cf) ? Sequence(cf, $"{at}.configFiles", ReadConfigFile) : [];
            var mounts = f.TryGetValue("secretMounts", out var sm) ? Sequence(sm, $"{at}.secretMounts", ReadSecretMount) : [];
            if (name is null || image is null || replicas is null || command is null || args is null || ports is null || env is null || files is null || mounts is null)
                return null;
            return new ServiceSpec(name, image, replicas.Value, command, args, ports, env, resources, health, files) { SecretMounts = mounts };
        }

        private PortSpec? ReadPort(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["name", "port", "public"], ["name", "port"]);
            if (f is null) return null;
            var name = String(f["name"], $"{at}.name");
            var port = Int(f["port"], $"{at}.port");
            var isPublic = f.TryGetValue("public", out var p) ? Bool(p, $"{at}.public") : false;
            return name is null || port is null || isPublic is null ? null : new PortSpec(name, port.Value, isPublic.Value);
        }

        private EnvSpec? ReadEnv(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["name", "default", "required", "secret", "description"], ["name"]);
            if (f is null) return null;
            var name = String(f["name"], $"{at}.name");
            var value = f.TryGetValue("default", out var d) ? String(d, $"{at}.default") : null;
            var required = f.TryGetValue("required", out var r) ? Bool(r, $"{at}.required") : false;
            var secret = f.TryGetValue("secret", out var s) ? Bool(s, $"{at}.secret") : false;
            var description = f.TryGetValue("description", out var ds) ? String(ds, $"{at}.description") : null;
            return name is null || required is null || secret is null ? null : new EnvSpec(name, value, required.Value, secret.Value, description);
        }

        private ResourceSpec? ReadResources(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["requests", "limits"], []);
            if (f is null) return null;
            return new ResourceSpec(
                f.TryGetValue("requests", out var rq) ? ReadAmounts(rq, $"{at}.requests") : null,
                f.TryGetValue("limits", out var l) ? ReadAmounts(l, $"{at}.limits") : null);
        }

        private ResourceAmounts? ReadAmounts(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["cpu", "memory"], []);
            if (f is null) return null;
            return new ResourceAmounts(
                f.TryGetValue("cpu", out var c) ? String(c, $"{at}.cpu") : null,
                f.TryGetValue("memory", out var m) ? String(m, $"{at}.memory") : null);
        }

        private HealthCheckSpec? ReadHealth(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["path", "port"], ["path", "port"]);
            if (f is null) return null;
            var path = String(f["path"], $"{at}.path");
            var port = Int(f["port"], $"{at}.port");
            return path is null || port is null ? null : new HealthCheckSpec(path, port.Value);
        }

        private ConfigFileSpec? ReadConfigFile(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["path", "content"], ["path", "content"]);
            if (f is null) return null;
            var path = String(f["path"], $"{at}.path");
            var content = String(f["content"], $"{at}.content");
            return path is null || content is null ? null : new ConfigFileSpec(path, content);
        }

        private SecretMountSpec? ReadSecretMount(YamlNode node, string at)
        {
            var f = Mapping(node, at, ["key", "mountPath"], ["key", "mountPath"]);
            if (f is null) return null;
            var key = String(f["key"], $"{at}.key");
            var path = String(f["mountPath"], $"{at}.mountPath");
            return key is null || path is null ? null : new SecretMountSpec(key, path);
        }

        private Dictionary<string, YamlNode>? Mapping(YamlNode node, string at, string[] allowed, string[] required)
        {
            Remember(at, node);
            if (node is not YamlMappingNode mapping)
            {
                Error(node, at, $"Expected a mapping with {string.Join(", ", allowed)}.");
                return null;
            }
            var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            var ok = true;
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var path = at.Length == 0 ? key : $"{at}.{key}";
                if (!allowed.Contains(key, StringComparer.Ordinal))
                {
                    Error(keyNode, path, $"Unknown key '{key}'; expected one of: {string.Join(", ", allowed)}.");
                    continue;
                }
                if (IsNull(value)) continue;   // "key:" or "key: null" means absent
                Remember(path, value);
                fields[key] = value;
            }
            foreach (var key in required.Where(k => !fields.ContainsKey(k)))
            {
                Error(node, at.Length == 0 ? key : $"{at}.{key}", $"'{key}' is required.");
                ok = false;
            }
            return ok ? fields : null;
        }

        private List<T>? Sequence<T>(YamlNode node, string at, Func<YamlNode, string, T?> item)
        {
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, at, "Expected a list.");
                return null;
            }
            var items = new List<T>();
            var ok = true;
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var path = $"{at}[{i}]";
                Remember(path, sequence.Children[i]);
                var value = item(sequence.Children[i], path);
                if (value is null) ok = false;
                else items.Add(value);
            }
            return ok ? items : null;
        }

        private string? String(YamlNode node, string at)
        {
            if (node is YamlScalarNode { Value: not null } scalar) return scalar.Value;
            Error(node, at, "Expected a text value.");
            return null;
        }

        private int? Int(YamlNode node, string at)
        {
            if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text }
                && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                return number;
            Error(node, at, "Expected a whole number.");
            return null;
        }

        private bool? Bool(YamlNode node, string at)
        {
            if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "True" }) return true;
            if (node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" or "False" }) return false;
            Error(node, at, "Expected true or false.");
            return null;
        }

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };
    }
}
