namespace CleanScheduler.Domain.Templates;

/// <summary>
/// A template's multi-service spec (DESIGN.md §5), as written in YAML. Optional lists are empty, never null.
/// <see cref="TemplateSpecRules.Validate"/> says what is wrong with one, by field path.
/// </summary>
public sealed record TemplateSpec(IReadOnlyList<ServiceSpec> Services);

public sealed record ServiceSpec(
    string Name,
    string Image,
    int Replicas,
    IReadOnlyList<string> Command,
    IReadOnlyList<string> Args,
    IReadOnlyList<PortSpec> Ports,
    IReadOnlyList<EnvSpec> Env,
    ResourceSpec? Resources,
    HealthCheckSpec? HealthCheck,
    IReadOnlyList<ConfigFileSpec> ConfigFiles)
{
    /// <summary>Secrets mounted as files instead of injected as environment variables (docs/secrets.md).</summary>
    public IReadOnlyList<SecretMountSpec> SecretMounts { get; init; } = [];
}

/// <summary>The secret <see cref="Key"/> of the service's effective set, as a read-only file at <see cref="MountPath"/>.</summary>
public sealed record SecretMountSpec(string Key, string MountPath);

public sealed record PortSpec(string Name, int Port, bool Public);

/// <summary>A setting of the service. <see cref="Secret"/> values are stored encrypted and reach the pod from a Secret.</summary>
public sealed record EnvSpec(string Name, string? Default, bool Required, bool Secret, string? Description);

public sealed record ResourceSpec(ResourceAmounts? Requests, ResourceAmounts? Limits);

public sealed record ResourceAmounts(string? Cpu, string? Memory);

public sealed record HealthCheckSpec(string Path, int Port);

/// <summary>A file mounted into the container; <c>{{ NAME }}</c> in its content is replaced by the setting NAME.</summary>
public sealed record ConfigFileSpec(string Path, string Content);

/// <summary>A problem with a spec: where (a field path such as <c>services[0].ports[1].port</c>) and what.</summary>
public sealed record SpecProblem(string Path, string Message);
