using System.Text.Json;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

public sealed record AuditActorDto(Guid? Id, string? Email);

public sealed record AuditEntryDto(
    Guid Id, DateTimeOffset OccurredAt, AuditActorDto Actor, string Action, string ResourceType, Guid? ResourceId,
    IReadOnlyDictionary<string, JsonElement> Details);

/// <summary>An organization's audit log, newest first; optionally one kind of action (<c>deployment.launched</c>) or area (<c>deployment</c>).</summary>
public sealed record GetAuditLogQuery(OrganizationId Id, string? Action, int Page = 1, int PageSize = Paging.DefaultPageSize)
    : IRequest<Paged<AuditEntryDto>>, IAuthorizedRequest, IPagedQuery
{
    public Permission Permission => Permission.OrgViewAudit;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class GetAuditLogValidator : AbstractValidator<GetAuditLogQuery>
{
    public GetAuditLogValidator()
    {
        this.RulesForPaging();
        RuleFor(q => q.Action).Matches("^[a-z_]+(\\.[a-z_]+)?$").When(q => q.Action is not null)
            .WithMessage("An action such as deployment.launched, or an area such as deployment.");
    }
}

public sealed class GetAuditLogHandler(IAppDbContext db) : IRequestHandler<GetAuditLogQuery, Paged<AuditEntryDto>>
{
    public async Task<Paged<AuditEntryDto>> Handle(GetAuditLogQuery query, CancellationToken cancellationToken)
    {
        Guid? org = query.Id.Value;
        var entries = db.AuditEntries.AsNoTracking().Where(e => e.OrganizationId == org);
        if (query.Action is { } action)
            entries = action.Contains('.') ? entries.Where(e => e.Action == action) : entries.Where(e => e.Action.StartsWith(action + "."));
        var page = await entries.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Seq).ToPageAsync(query, cancellationToken);
        return new Paged<AuditEntryDto>(page.Items.Select(e => new AuditEntryDto(
            e.Id, e.OccurredAt, new AuditActorDto(e.ActorId, e.ActorEmail), e.Action, e.ResourceType, e.ResourceId,
            JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(e.Details) ?? [])).ToList(), page.Page, page.PageSize, page.Total);
    }
}
