using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Tasks;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>Cancels an unfinished task or workflow: its resource is deleted from the cluster, and it no longer counts toward the limit.</summary>
public sealed record CancelTaskRunCommand(TaskRunId Id, TaskKind Kind) : ICommand<TaskRun>;
