using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

public sealed class ListTaskRunsHandler(IAppDbContext db) : IRequestHandler<ListTaskRunsQuery, Paged<TaskRunSummary>>
{
    public async Task<Paged<TaskRunSummary>> Handle(ListTaskRunsQuery query, CancellationToken cancellationToken)
    {
        var tasks = db.Tasks.AsNoTracking().Where(t => t.TeamId == query.TeamId && t.Kind == query.Kind);
        if (TaskCodes.TryParsePhase(query.Phase, out var phase)) tasks = tasks.Where(t => t.Phase == phase);
        return await tasks.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Select(t => new TaskRunSummary(t.Id, t.TeamId, t.Name, t.Phase, t.Message, t.Output, t.StepReports, t.CreatedBy, t.CreatedAt, t.UpdatedAt, t.FinishedAt))
            .ToPageAsync(query, cancellationToken);   // not the steps' specs: a workflow's may be a MiB
    }
}
