using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>Deletes a template no deployment uses.</summary>
public sealed record DeleteTemplateCommand(TemplateId Id) : ICommand<Unit>;
