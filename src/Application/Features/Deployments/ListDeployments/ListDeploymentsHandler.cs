using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>One round trip when the caller may read: the page is read only where they hold deploy:read (<see cref="IAccessScopedRequest"/>).</summary>
public sealed class ListDeploymentsHandler(IDeploymentListReader deployments, ResourceAuthorizer authorizer) : IRequestHandler<ListDeploymentsQuery, Paged<DeploymentSummary>>
{
    public async Task<Paged<DeploymentSummary>> Handle(ListDeploymentsQuery query, CancellationToken cancellationToken)
    {
        var grant = authorizer.Granting(query.Team, query.Permission);
        DesiredState? state = query.State is not null && DeploymentCodes.TryParseState(query.State, out var parsed) ? parsed : null;
        DeploymentPhase? phase = query.Phase is not null ? DeploymentCodes.ParsePhase(query.Phase) : null;
        var page = await Paging.ReadPageAsync(query,
            (skip, take) => deployments.ReadAsync(grant, state, phase, skip, take, cancellationToken),
            () => deployments.CountAsync(grant, state, phase, cancellationToken));
        await authorizer.ConfirmAsync(query.Team, query.Permission, page.Total > 0, cancellationToken);
        return page;
    }
}
