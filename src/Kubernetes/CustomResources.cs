using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// The C# shape of the three custom resources of <c>k8s/crds/</c> (group scheduler.cleanscheduler.io, v1alpha1).
/// Field names match the CRD schemas; <see cref="CustomResources.ToJson"/> and <see cref="CustomResources.From{T}"/>
/// convert to and from the API's JSON (camelCase, absent rather than null). Only settable properties are written: a
/// computed (get-only) property is never sent, since the API server refuses a server-side apply of any field its
/// structural schema does not declare (500 "field not declared in schema", transcript 16).
/// </summary>
public static class CustomResources
{
    public const string ApiVersion = KubeResource.SchedulerGroup + "/" + KubeResource.SchedulerVersion;
    /// <summary>
    /// The finalizer earlier operators put on every UserDeployment. No longer added (what a resource owns carries its
    /// ownerReference and goes with it by garbage collection); the operator still removes it from resources that carry it.
    /// </summary>
    public const string Finalizer = KubeResource.SchedulerGroup + "/cleanup";

    /// <summary>The resources' JSON options, from the source-generated <see cref="CustomResourceJson"/> (no reflection: the operator ships as a Native AOT binary).</summary>
    public static JsonSerializerOptions Json => CustomResourceJson.Default.Options;

    public static JsonObject ToJson<T>(T value) => (JsonObject)JsonSerializer.SerializeToNode(value, TypeInfo<T>())!;

    /// <summary>The typed form of a resource's JSON; a field of the wrong JSON type is a <see cref="JsonException"/>.</summary>
    public static T From<T>(JsonNode? node) => node.Deserialize(TypeInfo<T>()) ?? throw new JsonException($"{typeof(T).Name} is empty");

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>?)CustomResourceJson.Default.GetTypeInfo(typeof(T))
        ?? throw new NotSupportedException($"{typeof(T).Name} is not a [JsonSerializable] type of {nameof(CustomResourceJson)}");

    /// <summary>
    /// A time as the API server writes one (<c>metav1.Time</c>: RFC 3339 in UTC, whole seconds, <c>2026-11-30T05:43:24Z</c>);
    /// read in any RFC 3339 form.
    /// </summary>
    internal sealed class Rfc3339Time : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) ? time : throw new JsonException("not an RFC 3339 time");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The JSON contract of the resources, generated at build time: camelCase (as the CRD schemas), absent rather than null,
/// only settable properties written, a number as text refused (the API server's schema has it so), times as metav1.Time.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    IgnoreReadOnlyProperties = true,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(CustomResources.Rfc3339Time)])]
[JsonSerializable(typeof(ObjectMeta))]
[JsonSerializable(typeof(ResourcesSpec))]
[JsonSerializable(typeof(UserDeploymentResource))]
[JsonSerializable(typeof(UserDeploymentSpec))]
[JsonSerializable(typeof(UserDeploymentStatus))]
[JsonSerializable(typeof(AgentTaskResource))]
[JsonSerializable(typeof(AgentTaskSpec))]
[JsonSerializable(typeof(AgentTaskStatus))]
[JsonSerializable(typeof(WorkflowResource))]
[JsonSerializable(typeof(WorkflowSpec))]
[JsonSerializable(typeof(WorkflowStatus))]
public sealed partial class CustomResourceJson : JsonSerializerContext;

public sealed record ObjectMeta(
    string Name,
    string? Namespace = null,
    string? Uid = null,
    string? ResourceVersion = null,
    long? Generation = null,
    DateTimeOffset? DeletionTimestamp = null,
    IReadOnlyDictionary<string, string>? Labels = null,
    IReadOnlyDictionary<string, string>? Annotations = null,
    IReadOnlyList<string>? Finalizers = null);

public sealed record Condition(string Type, string Status, string? Reason = null, string? Message = null, DateTimeOffset? LastTransitionTime = null, long? ObservedGeneration = null);

public sealed record SecretRef(string Name, IReadOnlyList<string> Keys);

public sealed record ResourceAmountsSpec(string? Cpu = null, string? Memory = null);

public sealed record ResourcesSpec(ResourceAmountsSpec? Requests = null, ResourceAmountsSpec? Limits = null);

// --- UserDeployment ---------------------------------------------------------------------------------------------------

public sealed record UserDeploymentResource(ObjectMeta Metadata, UserDeploymentSpec Spec, UserDeploymentStatus? Status = null)
{
    public string ApiVersion { get; init; } = CustomResources.ApiVersion;
    public string Kind { get; init; } = "UserDeployment";
}

public sealed record UserDeploymentSpec(
    string DesiredState,
    DeploymentOwner? Owner = null,
    string? DeploymentId = null,
    string? Tier = null,
    LimitsSpec? Limits = null,
    TemplateRef? TemplateRef = null,
    IReadOnlyList<JsonObject>? Services = null,
    IReadOnlyDictionary<string, string>? Values = null,
    IReadOnlyList<SecretRef>? SecretRefs = null,
    string? Host = null,
    long? Revision = null,
    IReadOnlyList<ServiceSecretsSpec>? ServiceSecrets = null);

/// <summary>
/// The effective secrets of one service: the Secret the pods read them from (written by the server, or by the External
/// Secrets Operator from an ExternalSecret of the same name), the keys, and a checksum of the values (when the server
/// writes them) that the pod template carries, so that a changed value restarts the pods.
/// </summary>
public sealed record ServiceSecretsSpec(string Service, string SecretName, IReadOnlyList<ServiceSecretKey> Keys, string? Checksum = null);

/// <summary>A key of a service's secrets; <see cref="RemoteKey"/> is the backend path an ExternalSecret reads it from.</summary>
public sealed record ServiceSecretKey(string Key, string? RemoteKey = null);

public sealed record DeploymentOwner(string User, string? UserId = null, string? TeamId = null, string? OrganizationId = null);

public sealed record LimitsSpec(string? Isolation = null, QuotaSpec? Quota = null);

public sealed record QuotaSpec(string? Cpu = null, string? Memory = null, int? Pods = null);

public sealed record TemplateRef(string Name, int Version)
{
    /// <summary>The ConfigMap the server publishes the template version in, in the resource's namespace (not part of the resource).</summary>
    [JsonIgnore]
    public string ConfigMapName => TemplateConfigMap.Name(Name, Version);
}

public static class TemplateConfigMap
{
    public const string Key = "template.yaml";

    public static string Name(string template, int version) => $"cs-template-{template}-v{version}";
}

/// <summary>
/// What the operator reports on a UserDeployment, and what the server's sync reads back: <see cref="ObservedRevision"/>
/// is the <c>spec.revision</c> of the spec the report describes (absent when that spec had none, as a hand-written one),
/// <see cref="ObservedGeneration"/> its <c>metadata.generation</c>.
/// </summary>
public sealed record UserDeploymentStatus(
    string? Phase = null,
    string? Message = null,
    long? ObservedGeneration = null,
    long? ObservedRevision = null,
    IReadOnlyList<string>? Urls = null,
    IReadOnlyList<ServiceStatus>? Services = null,
    IReadOnlyList<Condition>? Conditions = null);

public sealed record ServiceStatus(string Name, int DesiredReplicas, int ReadyReplicas);

// --- AgentTask and Workflow -------------------------------------------------------------------------------------------

public sealed record AgentTaskResource(ObjectMeta Metadata, AgentTaskSpec Spec, AgentTaskStatus? Status = null)
{
    public string ApiVersion { get; init; } = CustomResources.ApiVersion;
    public string Kind { get; init; } = "AgentTask";
}

public sealed record EnvVar(string Name, string? Value = null);

public sealed record AgentTaskSpec(
    string Image,
    IReadOnlyList<string>? Command = null,
    IReadOnlyList<string>? Args = null,
    IReadOnlyList<EnvVar>? Env = null,
    IReadOnlyDictionary<string, string>? Input = null,
    IReadOnlyList<SecretRef>? SecretRefs = null,
    ResourcesSpec? Resources = null,
    int? TimeoutSeconds = null,
    int? TtlSecondsAfterFinished = null);

public sealed record AgentTaskStatus(
    string? Phase = null,
    long? ObservedGeneration = null,
    DateTimeOffset? StartTime = null,
    DateTimeOffset? CompletionTime = null,
    string? JobName = null,
    IReadOnlyDictionary<string, string>? Output = null,
    string? Message = null);

public sealed record WorkflowResource(ObjectMeta Metadata, WorkflowSpec Spec, WorkflowStatus? Status = null)
{
    public string ApiVersion { get; init; } = CustomResources.ApiVersion;
    public string Kind { get; init; } = "Workflow";
}

public sealed record WorkflowSpec(IReadOnlyList<WorkflowStep> Steps);

public sealed record WorkflowStep(string Name, AgentTaskSpec Task);

public sealed record WorkflowStatus(
    string? Phase = null,
    long? ObservedGeneration = null,
    int? CurrentStep = null,
    string? Message = null,
    IReadOnlyList<WorkflowStepStatus>? Steps = null);

public sealed record WorkflowStepStatus(string Name, string? Phase = null, string? TaskName = null, IReadOnlyDictionary<string, string>? Output = null);
