using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using MediatR;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>The organization's open invitations (to it and to its teams): pending or expired, with their mail status.</summary>
public sealed record ListOrganizationInvitationsQuery(OrganizationId OrganizationId) : IRequest<IReadOnlyList<InvitationDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageMembers;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class ListOrganizationInvitationsHandler(IAppDbContext db, TimeProvider clock)
    : IRequestHandler<ListOrganizationInvitationsQuery, IReadOnlyList<InvitationDto>>
{
    public Task<IReadOnlyList<InvitationDto>> Handle(ListOrganizationInvitationsQuery query, CancellationToken cancellationToken) =>
        InvitationReads.ListAsync(db, db.Invitations.Where(i => i.OrganizationId == query.OrganizationId && i.Status == InvitationStatus.Pending),
            clock.GetUtcNow(), cancellationToken);
}

/// <summary>The team's open invitations: pending or expired, with their mail status.</summary>
public sealed record ListTeamInvitationsQuery(TeamId TeamId) : IRequest<IReadOnlyList<InvitationDto>>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamManageMembers;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class ListTeamInvitationsHandler(IAppDbContext db, TimeProvider clock)
    : IRequestHandler<ListTeamInvitationsQuery, IReadOnlyList<InvitationDto>>
{
    public Task<IReadOnlyList<InvitationDto>> Handle(ListTeamInvitationsQuery query, CancellationToken cancellationToken) =>
        InvitationReads.ListAsync(db, db.Invitations.Where(i => i.TeamId == query.TeamId && i.Status == InvitationStatus.Pending),
            clock.GetUtcNow(), cancellationToken);
}
