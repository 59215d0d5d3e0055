using CleanScheduler.Application.Features.Templates;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>A deployment in a list. <see cref="State"/> is what its owner wants (running/stopped), <see cref="Phase"/> what the cluster reports.</summary>
public sealed record DeploymentSummary(
    Guid Id, Guid TeamId, string Name, string State, string Phase, string Url, Guid TemplateId, string TemplateName,
    int TemplateVersion, Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// One deployment: its plain setting <see cref="Values"/>, the names of the secret settings that have a value
/// (<see cref="SecretsSet"/>; values are never returned), its services, and the cluster's <see cref="Conditions"/>
/// (empty until the cluster has reported on the deployment's latest settings).
/// </summary>
public sealed record DeploymentDetails(
    Guid Id, Guid OrganizationId, Guid TeamId, string Name, string State, string Phase, string? PhaseMessage, string Url,
    Guid TemplateId, string TemplateName, int TemplateVersion, IReadOnlyDictionary<string, string> Values,
    IReadOnlyList<string> SecretsSet, IReadOnlyList<DeploymentService> Services, IReadOnlyList<DeploymentCondition> Conditions,
    Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// A service of a deployment: <see cref="Replicas"/> as its template asks, and <see cref="ReadyReplicas"/> as the
/// cluster last reported (null when it has not reported yet).
/// </summary>
public sealed record DeploymentService(string Name, string Image, int Replicas, int? ReadyReplicas, IReadOnlyList<ServicePortDto> Ports);

/// <summary>A cluster condition: <see cref="Status"/> is True, False or Unknown, as in Kubernetes.</summary>
public sealed record DeploymentCondition(string Type, string Status, string Reason, string Message, DateTimeOffset? LastTransitionTime);
