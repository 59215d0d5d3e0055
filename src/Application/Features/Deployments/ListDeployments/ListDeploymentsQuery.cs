using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>A team's deployments, optionally only those in one state (running, stopped) or phase (Pending, Running...).</summary>
public sealed record ListDeploymentsQuery(TeamId TeamId, string? State, string? Phase, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<DeploymentSummary>>, IAccessScopedRequest, IPagedQuery
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef.Team Team => new(TeamId);
    public ResourceRef Resource => Team;
}
