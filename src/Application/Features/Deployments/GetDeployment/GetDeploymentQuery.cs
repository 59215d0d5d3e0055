using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

public sealed record GetDeploymentQuery(DeploymentId Id) : IRequest<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
