using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>Starts a workflow for a team: its steps run in order, each a task, with earlier steps' outputs substituted.</summary>
public sealed record CreateWorkflowCommand(TeamId TeamId, IReadOnlyList<WorkflowStepInput?>? Steps) : ICommand<WorkflowDto>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployCreate;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}
