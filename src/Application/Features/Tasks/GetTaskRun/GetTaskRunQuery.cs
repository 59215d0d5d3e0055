using CleanScheduler.Domain.Tasks;
using MediatR;

namespace CleanScheduler.Application.Features.Tasks;

/// <summary>One task or workflow of a team the caller belongs to (another tenant's, or one of the other kind: 404).</summary>
public sealed record GetTaskRunQuery(TaskRunId Id, TaskKind Kind) : IRequest<TaskRun>;
