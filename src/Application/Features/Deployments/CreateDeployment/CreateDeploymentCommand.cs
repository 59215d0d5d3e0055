using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Launches a deployment of a template version the team may use, with values for its settings, within the plan's
/// deployment limit. Secret values are encrypted before they are stored.
/// </summary>
public sealed record CreateDeploymentCommand(
    TeamId TeamId, string? Name, TemplateId TemplateId, int? TemplateVersion, IReadOnlyDictionary<string, string?>? Values)
    : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}
