using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>
/// Sets a deployment's values (and optionally moves it to another version of its template); it is rolled out again.
/// Plain values are replaced as given. A secret setting left out keeps its value; one given as null loses it.
/// </summary>
public sealed record UpdateDeploymentValuesCommand(DeploymentId Id, int? TemplateVersion, IReadOnlyDictionary<string, string?>? Values)
    : ICommand<DeploymentDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployManage;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}
