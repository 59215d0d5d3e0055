using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>Scales a deployment to zero (<see cref="Running"/> false) or back up; everything else is kept.</summary>
public sealed record SetDeploymentRunningCommand(DeploymentId Id, bool Running) : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployManage;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
