using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>A team's tasks or workflows, newest first, optionally only those in one phase; without what they run.</summary>
public sealed record ListTaskRunsQuery(TeamId TeamId, TaskKind Kind, string? Phase, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<TaskRunSummary>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}
