using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Tasks;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Tasks;

public sealed class GetTaskRunHandler(IAppDbContext db, ResourceAuthorizer authorizer) : IRequestHandler<GetTaskRunQuery, TaskRun>
{
    public async Task<TaskRun> Handle(GetTaskRunQuery query, CancellationToken cancellationToken) =>
        await TaskAccess.FindAsync(db.Tasks.AsNoTracking(), authorizer, query.Id, query.Kind, Permission.DeployRead, cancellationToken);
}
