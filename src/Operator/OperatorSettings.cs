using System.Globalization;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Operator;

/// <summary>
/// The operator's settings, each from a command-line flag or else its environment variable (flag
/// <c>--health-probe-bind-address</c> = HEALTH_PROBE_BIND_ADDRESS, and so on). Bad values are reported one line each.
/// </summary>
public sealed record OperatorSettings(
    string HealthProbeUrl,
    string? MetricsUrl,
    string? WatchNamespace,
    string DeploymentDomain,
    RenderOptions Render,
    bool LeaderElect,
    string LeaderElectionNamespace,
    string LeaderElectionId,
    string Identity,
    TimeSpan ResyncPeriod,
    int Workers)
{
    public static readonly string[] Names =
    [
        "HEALTH_PROBE_BIND_ADDRESS", "METRICS_BIND_ADDRESS", "WATCH_NAMESPACE", "DEPLOYMENT_DOMAIN", "CLUSTER_SECRET_STORE",
        "DISABLE_NETWORK_POLICIES", "LEADER_ELECT", "LEADER_ELECTION_NAMESPACE", "LEADER_ELECTION_ID", "POD_NAME", "RESYNC_PERIOD", "WORKERS",
    ];

    public static (OperatorSettings? Settings, IReadOnlyList<string> Errors) Load(string[] args, Func<string, string?> environment)
    {
        var errors = new List<string>();
        var flags = ParseFlags(args, errors);
        string? Value(string name) => flags.TryGetValue(name, out var flag) ? flag : environment(name) is { Length: > 0 } env ? env : null;

        var probe = ListenUrl(Value("HEALTH_PROBE_BIND_ADDRESS") ?? ":8081", "HEALTH_PROBE_BIND_ADDRESS", errors);
        var metricsAddress = Value("METRICS_BIND_ADDRESS");
        var metrics = metricsAddress is null or "0" ? null : ListenUrl(metricsAddress, "METRICS_BIND_ADDRESS", errors);
        if (probe is not null && metrics is not null && probe == metrics) errors.Add("METRICS_BIND_ADDRESS must differ from HEALTH_PROBE_BIND_ADDRESS");

        var domain = (Value("DEPLOYMENT_DOMAIN") ?? "localhost").ToLowerInvariant();
        if (domain != "localhost" && !CleanScheduler.Domain.Clients.Client.IsValidDomain(domain))
            errors.Add($"DEPLOYMENT_DOMAIN must be a DNS domain such as apps.example.com, not '{domain}'");
        var watch = Value("WATCH_NAMESPACE");
        if (watch is not null && !IsDnsLabel(watch)) errors.Add($"WATCH_NAMESPACE must be a namespace name, not '{watch}'");
        var disablePolicies = Bool(Value("DISABLE_NETWORK_POLICIES"), "DISABLE_NETWORK_POLICIES", false, errors);
        var leaderElect = Bool(Value("LEADER_ELECT"), "LEADER_ELECT", true, errors);
        var leaseNamespace = Value("LEADER_ELECTION_NAMESPACE") ?? ServiceAccountNamespace() ?? "cleanscheduler-system";
        if (!IsDnsLabel(leaseNamespace)) errors.Add($"LEADER_ELECTION_NAMESPACE must be a namespace name, not '{leaseNamespace}'");
        var resync = Duration(Value("RESYNC_PERIOD") ?? "10m", "RESYNC_PERIOD", errors);
        var workers = 2;   // 2, 4, 8 measured (bench/README.md): more converge faster against a slow API server, and peak higher
        if (Value("WORKERS") is { } w && (!int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out workers) || workers is < 1 or > 64))
            errors.Add($"WORKERS must be a number from 1 to 64, not '{w}'");
        var identity = Value("POD_NAME") ?? $"{Environment.MachineName.ToLowerInvariant()}_{Guid.NewGuid().ToString("N")[..8]}";

        if (errors.Count > 0) return (null, errors);
        return (new OperatorSettings(probe!, metrics, watch, domain,
            new RenderOptions(Value("CLUSTER_SECRET_STORE"), disablePolicies),
            leaderElect, leaseNamespace, Value("LEADER_ELECTION_ID") ?? "cleanscheduler-operator-leader", identity, resync, workers), []);
    }

    private static Dictionary<string, string> ParseFlags(string[] args, List<string> errors)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) { errors.Add($"unexpected argument '{args[i]}'"); continue; }
            var body = args[i][2..];
            string name, value;
            if (body.Contains('=')) (name, value) = (body[..body.IndexOf('=')], body[(body.IndexOf('=') + 1)..]);
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) (name, value) = (body, args[++i]);
            else (name, value) = (body, "true");
            var env = name.Replace('-', '_').ToUpperInvariant();
            if (!Names.Contains(env)) { errors.Add($"unknown flag --{name} (flags: {string.Join(", ", Names.Select(n => "--" + n.ToLowerInvariant().Replace('_', '-')))})"); continue; }
            flags[env] = value;
        }
        return flags;
    }

    /// <summary>"[host]:port" as a Kestrel URL: ":8081" listens on every interface.</summary>
    public static string? ListenUrl(string address, string name, List<string> errors)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            errors.Add($"{name} must be [host]:port, such as :8081 or 127.0.0.1:8081, not '{address}'");
            return null;
        }
        var host = address[..colon].Trim('[', ']');
        return host.Length == 0 ? $"http://+:{port}" : host.Contains(':') ? $"http://[{host}]:{port}" : $"http://{host}:{port}";
    }

    private static bool Bool(string? value, string name, bool fallback, List<string> errors)
    {
        if (value is null) return fallback;
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1") return true;
        if (value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0") return false;
        errors.Add($"{name} must be true or false, not '{value}'");
        return fallback;
    }

    private static TimeSpan Duration(string value, string name, List<string> errors)
    {
        var unit = value.Length > 0 ? value[^1] : ' ';
        var digits = char.IsDigit(unit) ? value : value[..^1];
        if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            switch (unit)
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
                default: if (char.IsDigit(unit)) return TimeSpan.FromSeconds(amount); break;
            }
        }
        errors.Add($"{name} must be a duration such as 30s, 10m or 1h, not '{value}'");
        return TimeSpan.FromMinutes(10);
    }

    private static bool IsDnsLabel(string value) =>
        value.Length is > 0 and <= 63 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && value[0] != '-' && value[^1] != '-';

    private static string? ServiceAccountNamespace()
    {
        var file = Path.Combine(CleanScheduler.Kubernetes.KubernetesConfiguration.ServiceAccountDirectory, "namespace");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
    }
}
