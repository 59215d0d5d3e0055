using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using MediatR;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Drafts a template spec from a description ("a web app with PostgreSQL and Redis"). Needs <c>templates:create</c> on
/// the team and a plan with custom templates. Nothing is stored: the caller reviews the draft and saves it as any other.
/// </summary>
public sealed record DraftTemplateCommand(TeamId TeamId, string? Prompt) : IRequest<TemplateDraft>;

/// <summary>
/// The draft: <see cref="Valid"/> when our parser accepts <see cref="Spec"/>; otherwise the model did not fix it within
/// the repair rounds and <see cref="Errors"/> says what is still wrong, at its line, for the caller to finish by hand.
/// </summary>
public sealed record TemplateDraft(string Spec, bool Valid, IReadOnlyList<SpecError> Errors, int RepairRounds);
