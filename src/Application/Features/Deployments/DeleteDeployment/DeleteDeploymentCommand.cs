using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>Deletes a deployment and frees its slot in the plan.</summary>
public sealed record DeleteDeploymentCommand(DeploymentId Id) : ICommand<Unit>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployDelete;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
