using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Templates the caller may use: for <see cref="TeamId"/>, the system templates plus the organization's org
/// templates, the team's templates and the caller's private ones; without a team, everything the caller may see.
/// </summary>
public sealed record ListTemplatesQuery(TeamId? TeamId, string? Visibility, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<TemplateSummary>>, IPagedQuery;
