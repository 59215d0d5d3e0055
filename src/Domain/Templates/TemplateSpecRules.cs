using System.Text.RegularExpressions;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Templates;

/// <summary>The rules a template spec must follow, so that every deployment made from it renders valid Kubernetes objects.</summary>
public static partial class TemplateSpecRules
{
    public const int MaxServices = 20;
    public const int MaxServiceNameLength = 20;
    public const int MaxReplicas = 20;
    public const int MaxPorts = 10;
    public const int MaxEnv = 100;
    public const int MaxValueLength = 4096;
    public const int MaxConfigFiles = 20;
    public const int MaxConfigFileBytes = 64 * 1024;

    public static IReadOnlyList<SpecProblem> Validate(TemplateSpec spec)
    {
        var problems = new List<SpecProblem>();
        void Problem(string path, string message) => problems.Add(new SpecProblem(path, message));

        if (spec.Services.Count == 0) Problem("services", "A template needs at least one service.");
        if (spec.Services.Count > MaxServices) Problem("services", $"A template has at most {MaxServices} services.");

        var serviceNames = new HashSet<string>(StringComparer.Ordinal);
        var publicPorts = new List<string>();
        for (var s = 0; s < spec.Services.Count; s++)
        {
            var service = spec.Services[s];
            var at = $"services[{s}]";
            if (!IsServiceName(service.Name))
                Problem($"{at}.name", $"Must be 1-{MaxServiceNameLength} lowercase letters, digits or hyphens, starting with a letter and ending with a letter or digit.");
            else if (!serviceNames.Add(service.Name))
                Problem($"{at}.name", $"Another service is already named '{service.Name}'.");
            if (!IsImage(service.Image))
                Problem($"{at}.image", "Must be a container image reference such as nginx:1.27 or ghcr.io/acme/web:2.1.");
            if (service.Replicas is < 1 or > MaxReplicas)
                Problem($"{at}.replicas", $"Must be between 1 and {MaxReplicas}.");
            CheckStrings(service.Command, $"{at}.command", Problem);
            CheckStrings(service.Args, $"{at}.args", Problem);
            var settingNames = service.Env.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < service.Command.Count; i++) CheckVariables(service.Command[i], settingNames, $"{at}.command[{i}]", Problem);
            for (var i = 0; i < service.Args.Count; i++) CheckVariables(service.Args[i], settingNames, $"{at}.args[{i}]", Problem);
            for (var i = 0; i < service.Env.Count; i++)
                if (service.Env[i].Default is { } value) CheckVariables(value, settingNames, $"{at}.env[{i}].default", Problem);

            if (service.Ports.Count > MaxPorts) Problem($"{at}.ports", $"A service has at most {MaxPorts} ports.");
            var portNames = new HashSet<string>(StringComparer.Ordinal);
            var portNumbers = new HashSet<int>();
            for (var p = 0; p < service.Ports.Count; p++)
            {
                var port = service.Ports[p];
                if (!IsPortName(port.Name))
                    Problem($"{at}.ports[{p}].name", "Must be 1-15 lowercase letters, digits or hyphens, starting with a letter, with no '--'.");
                else if (!portNames.Add(port.Name))
                    Problem($"{at}.ports[{p}].name", $"Another port of this service is named '{port.Name}'.");
                if (port.Port is < 1 or > 65535)
                    Problem($"{at}.ports[{p}].port", "Must be between 1 and 65535.");
                else if (!portNumbers.Add(port.Port))
                    Problem($"{at}.ports[{p}].port", $"Port {port.Port} is listed twice.");
                if (port.Public) publicPorts.Add($"{at}.ports[{p}].public");
            }

            if (service.Env.Count > MaxEnv) Problem($"{at}.env", $"A service has at most {MaxEnv} settings.");
            var envNames = new HashSet<string>(StringComparer.Ordinal);
            for (var e = 0; e < service.Env.Count; e++)
            {
                var env = service.Env[e];
                if (!IsEnvName(env.Name))
                    Problem($"{at}.env[{e}].name", "Must be an environment variable name: letters, digits and '_', not starting with a digit, at most 128 characters.");
                else if (!envNames.Add(env.Name))
                    Problem($"{at}.env[{e}].name", $"'{env.Name}' is listed twice.");
                if (env.Default is { Length: > MaxValueLength })
                    Problem($"{at}.env[{e}].default", $"At most {MaxValueLength} characters.");
                if (env.Secret && env.Default is not null)
                    Problem($"{at}.env[{e}].default", "A secret setting cannot have a default: templates are readable by every team that may use them.");
                if (env.Description is { Length: > 500 })
                    Problem($"{at}.env[{e}].description", "At most 500 characters.");
            }

            CheckResources(service.Resources, $"{at}.resources", Problem);

            if (service.HealthCheck is { } health)
            {
                if (!HealthPathPattern().IsMatch(health.Path) || health.Path.Length > 1024)
                    Problem($"{at}.healthCheck.path", "Must be an HTTP path starting with '/', without spaces.");
                if (!portNumbers.Contains(health.Port))
                    Problem($"{at}.healthCheck.port", "Must be one of the service's ports.");
            }

            if (service.ConfigFiles.Count > MaxConfigFiles) Problem($"{at}.configFiles", $"A service has at most {MaxConfigFiles} config files.");
            var paths = new HashSet<string>(StringComparer.Ordinal);
            for (var f = 0; f < service.ConfigFiles.Count; f++)
            {
                var file = service.ConfigFiles[f];
                if (!IsFilePath(file.Path))
                    Problem($"{at}.configFiles[{f}].path", "Must be an absolute file path without '..', at most 1024 characters.");
                else if (!paths.Add(file.Path))
                    Problem($"{at}.configFiles[{f}].path", $"'{file.Path}' is listed twice.");
                if (System.Text.Encoding.UTF8.GetByteCount(file.Content) > MaxConfigFileBytes)
                    Problem($"{at}.configFiles[{f}].content", $"At most {MaxConfigFileBytes / 1024} KiB.");
                CheckVariables(file.Content, settingNames, $"{at}.configFiles[{f}].content", Problem);
            }

            var mountedKeys = new HashSet<string>(StringComparer.Ordinal);
            for (var m = 0; m < service.SecretMounts.Count; m++)
            {
                var mount = service.SecretMounts[m];
                if (!EnvName().IsMatch(mount.Key) || mount.Key.Length > 256)
                    Problem($"{at}.secretMounts[{m}].key", "Must be a secret key: an environment variable name.");
                else if (!mountedKeys.Add(mount.Key))
                    Problem($"{at}.secretMounts[{m}].key", $"'{mount.Key}' is mounted twice.");
                if (!IsFilePath(mount.MountPath))
                    Problem($"{at}.secretMounts[{m}].mountPath", "Must be an absolute file path without '..', at most 1024 characters.");
                else if (!paths.Add(mount.MountPath))
                    Problem($"{at}.secretMounts[{m}].mountPath", $"'{mount.MountPath}' is already a config file or another mount.");
            }
        }

        if (publicPorts.Count > 1)
            foreach (var path in publicPorts.Skip(1))
                Problem(path, $"Only one port per template can be public; {publicPorts[0]} already is.");
        return problems;
    }

    /// <summary><c>{{ NAME }}</c> must name a setting of the service or a built-in (DEPLOYMENT_NAME, DEPLOYMENT_HOST).</summary>
    private static void CheckVariables(string text, HashSet<string> settings, string path, Action<string, string> problem)
    {
        foreach (Match variable in Variable().Matches(text))
        {
            var name = variable.Groups[1].Value;
            if (!settings.Contains(name) && !Deployments.DeploymentSettings.BuiltIns.Contains(name))
                problem(path, $"{{{{ {name} }}}} is neither a setting of this service nor one of {string.Join(", ", Deployments.DeploymentSettings.BuiltIns)}.");
        }
    }

    /// <summary>Replaces <c>{{ NAME }}</c> by the values given (unknown names stay as they are).</summary>
    public static string Substitute(string content, IReadOnlyDictionary<string, string> values) =>
        Variable().Replace(content, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    /// <summary>
    /// The UTF-8 size of what <see cref="Substitute"/> returns, counted without building it: counting stops as soon as
    /// it passes <paramref name="limit"/> (the result is then some size above the limit).
    /// </summary>
    public static long SubstitutedSize(string content, IReadOnlyDictionary<string, string> values, long limit)
    {
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        long size = 0;
        var at = 0;
        for (var match = Variable().Match(content); match.Success; match = match.NextMatch())
        {
            size += System.Text.Encoding.UTF8.GetByteCount(content.AsSpan(at, match.Index - at));
            var name = match.Groups[1].Value;
            if (!values.TryGetValue(name, out var value)) size += System.Text.Encoding.UTF8.GetByteCount(match.ValueSpan);
            else if (sizes.TryGetValue(name, out var known)) size += known;
            else size += sizes[name] = System.Text.Encoding.UTF8.GetByteCount(value);
            at = match.Index + match.Length;
            if (size > limit) return size;
        }
        return size + System.Text.Encoding.UTF8.GetByteCount(content.AsSpan(at));
    }

    public static bool IsServiceName(string? name) =>
        name is { Length: > 0 and <= MaxServiceNameLength } && Dns1035().IsMatch(name);

    public static bool IsEnvName(string? name) => name is { Length: > 0 and <= 128 } && EnvName().IsMatch(name);

    public static bool IsPortName(string? name) =>
        name is { Length: > 0 and <= 15 } && Dns1035().IsMatch(name) && !name.Contains("--", StringComparison.Ordinal);

    public static bool IsImage(string? image) => image is { Length: > 0 and <= 255 } && Image().IsMatch(image);

    private static bool IsFilePath(string? path) =>
        path is { Length: > 1 and <= 1024 } && path[0] == '/' && !path.EndsWith('/') && !path.Contains('\0')
        && !path.Split('/').Any(segment => segment is ".." or ".") && !path.Contains("//", StringComparison.Ordinal);

    private static void CheckStrings(IReadOnlyList<string> items, string at, Action<string, string> problem)
    {
        if (items.Count > 50) problem(at, "At most 50 items.");
        for (var i = 0; i < items.Count; i++)
            if (items[i].Length > 1000) problem($"{at}[{i}]", "At most 1000 characters.");
    }

    private static void CheckResources(ResourceSpec? resources, string at, Action<string, string> problem)
    {
        if (resources is null) return;
        foreach (var (amounts, name) in new[] { (resources.Requests, "requests"), (resources.Limits, "limits") })
        {
            if (amounts?.Cpu is { } cpu && !Quantity.IsCpu(cpu))
                problem($"{at}.{name}.cpu", "Must be a CPU quantity such as 100m, 0.5 or 2.");
            if (amounts?.Memory is { } memory && !Quantity.IsMemory(memory))
                problem($"{at}.{name}.memory", "Must be a memory quantity such as 128Mi or 1Gi.");
        }
        if (resources.Requests?.Cpu is { } rc && resources.Limits?.Cpu is { } lc && Quantity.IsCpu(rc) && Quantity.IsCpu(lc)
            && Quantity.Parse(rc) > Quantity.Parse(lc))
            problem($"{at}.requests.cpu", $"The request ({rc}) exceeds the limit ({lc}).");
        if (resources.Requests?.Memory is { } rm && resources.Limits?.Memory is { } lm && Quantity.IsMemory(rm) && Quantity.IsMemory(lm)
            && Quantity.Parse(rm) > Quantity.Parse(lm))
            problem($"{at}.requests.memory", $"The request ({rm}) exceeds the limit ({lm}).");
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9][a-zA-Z0-9.-]*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Image();

    [GeneratedRegex(@"^/[^\s]*$", RegexOptions.CultureInvariant)]
    private static partial Regex HealthPathPattern();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Variable();
}
