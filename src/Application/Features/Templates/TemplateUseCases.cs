using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Templates;

/// <summary>
/// Templates the caller may use: for <see cref="TeamId"/>, the system templates plus the organization's org
/// templates, the team's templates and the caller's private ones; without a team, everything the caller may see.
/// </summary>
public sealed record ListTemplatesQuery(TeamId? TeamId, string? Visibility, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<TemplateSummary>>, IPagedQuery;

public sealed class ListTemplatesValidator : AbstractValidator<ListTemplatesQuery>
{
    public ListTemplatesValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.Visibility).Must(v => TemplateVisibilityCodes.TryParse(v, out _)).When(q => q.Visibility is not null)
            .WithMessage($"Must be one of: {string.Join(", ", TemplateVisibilityCodes.All)}.");
    }
}

public sealed class ListTemplatesHandler(IAppDbContext db, ICurrentUser user, ICurrentClient client, ResourceAuthorizer authorizer)
    : IRequestHandler<ListTemplatesQuery, Paged<TemplateSummary>>
{
    public async Task<Paged<TemplateSummary>> Handle(ListTemplatesQuery query, CancellationToken cancellationToken)
    {
        IQueryable<Template> visible;
        var me = user.Id;
        if (query.TeamId is { } team)
        {
            var access = await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TemplatesRead, cancellationToken);
            OrganizationId? org = access.Organization;
            TeamId? teamId = team;
            visible = db.Templates.Where(t => t.Visibility == TemplateVisibility.System
                || (t.Visibility == TemplateVisibility.Org && t.OrganizationId == org)
                || (t.Visibility == TemplateVisibility.Team && t.TeamId == teamId)
                || (t.Visibility == TemplateVisibility.Private && t.OrganizationId == org && t.CreatedBy == me));
        }
        else
        {
            var orgs = await db.Organizations.AsNoTracking().Where(o => o.ClientId == client.Id)
                .SelectMany(o => o.Members.Where(m => m.UserId == me), (o, m) => new { o.Id, m.Role }).ToListAsync(cancellationToken);
            var memberOf = orgs.Select(o => (OrganizationId?)o.Id).ToList();
            var administered = orgs.Where(o => o.Role is OrgRole.Owner or OrgRole.Admin).Select(o => o.Id).ToList();
            var teams = await db.Teams.AsNoTracking()
                .Where(t => (t.Members.Any(m => m.UserId == me) && memberOf.Contains(t.OrganizationId)) || administered.Contains(t.OrganizationId))
                .Select(t => (TeamId?)t.Id).ToListAsync(cancellationToken);
            visible = db.Templates.Where(t => t.Visibility == TemplateVisibility.System
                || (t.Visibility == TemplateVisibility.Org && memberOf.Contains(t.OrganizationId))
                || (t.Visibility == TemplateVisibility.Team && teams.Contains(t.TeamId))
                || (t.Visibility == TemplateVisibility.Private && t.CreatedBy == me && memberOf.Contains(t.OrganizationId)));
        }
        if (query.Visibility is not null && TemplateVisibilityCodes.TryParse(query.Visibility, out var only))
            visible = visible.Where(t => t.Visibility == only);

        var page = await visible.AsNoTracking()
            .OrderBy(t => t.Visibility).ThenBy(t => t.Name).ThenBy(t => t.Id)
            .Select(t => new { t.Id, t.Name, t.Description, t.Visibility, t.OrganizationId, t.TeamId, t.CreatedBy, t.CurrentVersion, t.CreatedAt, t.UpdatedAt })
            .ToPageAsync(query, cancellationToken);
        return new Paged<TemplateSummary>(page.Items.Select(t => new TemplateSummary(
            t.Id.Value, t.Name, t.Description, t.Visibility.ToCode(), t.OrganizationId?.Value, t.TeamId?.Value, t.CreatedBy?.Value,
            t.CurrentVersion, t.CreatedAt, t.UpdatedAt)).ToList(), page.Page, page.PageSize, page.Total);
    }
}

/// <summary>One template at its current version, or at <see cref="Version"/>.</summary>
public sealed record GetTemplateQuery(TemplateId Id, int? Version = null) : IRequest<TemplateDetails>;

public sealed class GetTemplateHandler(TemplateAccess templates, TemplateSpecCache specs) : IRequestHandler<GetTemplateQuery, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(GetTemplateQuery query, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(query.Id, cancellationToken);
        var version = template.VersionNumbered(query.Version ?? template.CurrentVersion)
            ?? throw new NotFoundException("template_version", query.Version!.Value);
        return TemplateMapping.ToDetails(template, version, specs.TryParse(version.Spec), await templates.CanEditAsync(template, cancellationToken));
    }
}

/// <summary>
/// Creates a template. <c>system</c>: platform admins (no team). Otherwise for <see cref="TeamId"/>: needs
/// <c>templates:create</c> on the team, and a plan that allows the visibility (Free: none; Business: private and
/// team; Enterprise: also org, which needs an org owner or admin).
/// </summary>
public sealed record CreateTemplateCommand(TeamId? TeamId, string? Name, string? Description, string? Visibility, string? Spec)
    : ICommand<TemplateDetails>;

public sealed class CreateTemplateValidator : AbstractValidator<CreateTemplateCommand>
{
    public CreateTemplateValidator()
    {
        RuleFor(c => c.Name).ValidDisplayName("template name");
        RuleFor(c => c.Description).MaximumLength(Template.MaxDescriptionLength);
        RuleFor(c => c.Visibility).Must(v => TemplateVisibilityCodes.TryParse(v, out _))
            .WithMessage($"Must be one of: {string.Join(", ", TemplateVisibilityCodes.All)}.");
        RuleFor(c => c.TeamId).NotNull().When(c => c.Visibility is "private" or "team" or "org")
            .WithMessage("Name the team the template is for.");
        RuleFor(c => c.Spec).NotEmpty().WithMessage("The spec (YAML) is required.");
    }
}

public sealed class CreateTemplateHandler(
    IAppDbContext db, ICurrentUser user, ResourceAuthorizer authorizer, TemplateAccess templates, TemplateSpecCache specs, TimeProvider clock)
    : IRequestHandler<CreateTemplateCommand, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(CreateTemplateCommand command, CancellationToken cancellationToken)
    {
        TemplateVisibilityCodes.TryParse(command.Visibility, out var visibility);
        Template template;
        var now = clock.GetUtcNow();
        if (visibility == TemplateVisibility.System)
        {
            await authorizer.RequirePlatformAdminAsync(null, cancellationToken);
            specs.ParseOrThrow(command.Spec);
            if (await db.Templates.AnyAsync(t => t.Visibility == TemplateVisibility.System && t.Name.ToLower() == command.Name!.Trim().ToLower(), cancellationToken))
                throw new RuleViolationException("template.name_taken", $"A system template named '{command.Name!.Trim()}' already exists.");
            template = Template.PublishSystem(command.Name!, command.Description ?? "", command.Spec!, user.Id, now);
        }
        else
        {
            var team = command.TeamId!.Value;
            var access = await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TemplatesCreate, cancellationToken);
            if (visibility == TemplateVisibility.Org)
                await authorizer.RequireAsync(new ResourceRef.Organization(access.Organization), Permission.OrgManageTemplates, cancellationToken);
            var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == access.Organization, cancellationToken);
            subscription.EnsureTemplateVisibilityAllowed(visibility.ToCode(), orgWide: visibility == TemplateVisibility.Org);
            specs.ParseOrThrow(command.Spec);
            OrganizationId? org = access.Organization;
            if (await db.Templates.AnyAsync(t => t.OrganizationId == org && t.Name.ToLower() == command.Name!.Trim().ToLower(), cancellationToken))
                throw new RuleViolationException("template.name_taken", $"This organization already has a template named '{command.Name!.Trim()}'.");
            template = Template.CreateFor(access.Organization, team, visibility, command.Name!, command.Description ?? "", command.Spec!, user.Id, now);
        }
        db.Templates.Add(template);
        await db.SaveChangesAsync(cancellationToken);
        return TemplateMapping.ToDetails(template, template.Current, specs.TryParse(template.Current.Spec), await templates.CanEditAsync(template, cancellationToken));
    }
}

/// <summary>Stores a new version of the spec (and optionally a new name or description).</summary>
public sealed record UpdateTemplateCommand(TemplateId Id, string? Spec, string? Name, string? Description) : ICommand<TemplateDetails>;

public sealed class UpdateTemplateValidator : AbstractValidator<UpdateTemplateCommand>
{
    public UpdateTemplateValidator()
    {
        RuleFor(c => c.Spec).NotEmpty().WithMessage("The spec (YAML) is required.");
        RuleFor(c => c.Name).ValidDisplayName("template name").When(c => c.Name is not null);
        RuleFor(c => c.Description).MaximumLength(Template.MaxDescriptionLength);
    }
}

public sealed class UpdateTemplateHandler(IAppDbContext db, ICurrentUser user, TemplateAccess templates, TemplateSpecCache specs, TimeProvider clock)
    : IRequestHandler<UpdateTemplateCommand, TemplateDetails>
{
    public async Task<TemplateDetails> Handle(UpdateTemplateCommand command, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(command.Id, cancellationToken);
        await templates.EnsureCanEditAsync(template, cancellationToken);
        specs.ParseOrThrow(command.Spec);
        if (command.Name is not null && !string.Equals(command.Name.Trim(), template.Name, StringComparison.OrdinalIgnoreCase))
        {
            var lowered = command.Name.Trim().ToLower();
            var taken = template.Visibility == TemplateVisibility.System
                ? await db.Templates.AnyAsync(t => t.Visibility == TemplateVisibility.System && t.Name.ToLower() == lowered, cancellationToken)
                : await db.Templates.AnyAsync(t => t.OrganizationId == template.OrganizationId && t.Name.ToLower() == lowered, cancellationToken);
            if (taken) throw new RuleViolationException("template.name_taken", $"A template named '{command.Name.Trim()}' already exists.");
        }
        var version = template.Revise(command.Spec!, command.Name, command.Description, user.Id, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TemplateMapping.ToDetails(template, version, specs.TryParse(version.Spec), canEdit: true);
    }
}

/// <summary>Deletes a template no deployment uses.</summary>
public sealed record DeleteTemplateCommand(TemplateId Id) : ICommand<Unit>;

public sealed class DeleteTemplateHandler(IAppDbContext db, TemplateAccess templates, TimeProvider clock) : IRequestHandler<DeleteTemplateCommand, Unit>
{
    public async Task<Unit> Handle(DeleteTemplateCommand command, CancellationToken cancellationToken)
    {
        var template = await templates.VisibleAsync(command.Id, cancellationToken);
        await templates.EnsureCanEditAsync(template, cancellationToken);
        if (await db.Deployments.AnyAsync(d => d.TemplateId == command.Id, cancellationToken))
            throw new RuleViolationException("template.in_use", "Deployments still use this template; delete them first.");
        template.MarkDeleted(clock.GetUtcNow());
        db.Templates.Remove(template);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
