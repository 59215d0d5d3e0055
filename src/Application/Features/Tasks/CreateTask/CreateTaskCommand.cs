using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>Starts a task for a team: one container run to its end, within the plan's limit on unfinished tasks.</summary>
public sealed record CreateTaskCommand(TeamId TeamId, TaskInput? Task) : ICommand<TaskDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}
