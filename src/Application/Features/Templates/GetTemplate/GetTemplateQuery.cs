using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>One template at its current version, or at <see cref="Version"/>.</summary>
public sealed record GetTemplateQuery(TemplateId Id, int? Version = null) : IRequest<TemplateDetails>;
