using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>Sends a pending invitation again with a new link (the old one stops working) and a fresh 7-day expiry, at most once per cooldown.</summary>
public sealed record ResendInvitationCommand(InvitationId InvitationId) : ICommand<InvitationDto>;

public sealed class ResendInvitationHandler(IAppDbContext db, ResourceAuthorizer authorizer, TimeProvider clock, InvitationMailer mailer, MailOutboxSignal signal,
    InvitationLimits limits)
    : IRequestHandler<ResendInvitationCommand, InvitationDto>
{
    public async Task<InvitationDto> Handle(ResendInvitationCommand command, CancellationToken cancellationToken)
    {
        var invitation = await ManagedInvitation.GetAsync(db, authorizer, command.InvitationId, cancellationToken);
        var now = clock.GetUtcNow();
        var (token, hash) = InvitationTokens.New();
        invitation.Resend(hash, now, limits.ResendCooldown);
        await mailer.QueueAsync(invitation, token, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return await InvitationReads.OneAsync(db, invitation, now, cancellationToken);
    }
}

/// <summary>Withdraws a pending invitation: its link stops working and its mail, if not sent yet, is not sent.</summary>
public sealed record RevokeInvitationCommand(InvitationId InvitationId) : ICommand<Unit>;

public sealed class RevokeInvitationHandler(IAppDbContext db, ResourceAuthorizer authorizer, TimeProvider clock, InvitationMailer mailer)
    : IRequestHandler<RevokeInvitationCommand, Unit>
{
    public async Task<Unit> Handle(RevokeInvitationCommand command, CancellationToken cancellationToken)
    {
        var invitation = await ManagedInvitation.GetAsync(db, authorizer, command.InvitationId, cancellationToken);
        invitation.Revoke(clock.GetUtcNow());
        await mailer.DropUnsentAsync(invitation, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal static class ManagedInvitation
{
    /// <summary>
    /// The invitation, if the caller may manage the members of its target (org: org owners and admins; team: its team
    /// admins too). Someone outside the organization gets 404, as for a missing invitation.
    /// </summary>
    public static async Task<Invitation> GetAsync(IAppDbContext db, ResourceAuthorizer authorizer, InvitationId id, CancellationToken cancellationToken)
    {
        var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.Id == id, cancellationToken)
            ?? throw new NotFoundException("invitation", id.Value);
        try
        {
            if (invitation.TeamId is { } team)
                await authorizer.RequireAsync(new ResourceRef.Team(team), Permission.TeamManageMembers, cancellationToken);
            else
                await authorizer.RequireAsync(new ResourceRef.Organization(invitation.OrganizationId), Permission.OrgManageMembers, cancellationToken);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("invitation", id.Value);
        }
        return invitation;
    }
}
