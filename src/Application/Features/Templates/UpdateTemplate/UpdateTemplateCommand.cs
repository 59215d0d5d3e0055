using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>Stores a new version of the spec (and optionally a new name or description).</summary>
public sealed record UpdateTemplateCommand(TemplateId Id, string? Spec, string? Name, string? Description) : ICommand<TemplateDetails>;
