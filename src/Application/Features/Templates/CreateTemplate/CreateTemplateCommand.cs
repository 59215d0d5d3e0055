using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Creates a template. <c>system</c>: platform admins (no team). Otherwise for <see cref="TeamId"/>: needs
/// <c>templates:create</c> on the team, and a plan that allows the visibility (Free: none; Business: private and
/// team; Enterprise: also org, which needs an org owner or admin).
/// </summary>
public sealed record CreateTemplateCommand(TeamId? TeamId, string? Name, string? Description, string? Visibility, string? Spec)
    : ICommand<TemplateDetails>;
