using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Users;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>
/// Bounds against mail flooding: at most <paramref name="PendingPerOrganization"/> pending invitations per organization
/// (its teams included; 409 <c>invitation.limit</c>), one mail per invitation per <paramref name="ResendCooldown"/> (429
/// <c>invitation.too_soon</c>), and at most <paramref name="PerUserPerMinute"/> invite or resend requests per user and minute
/// (429 <c>invitation.rate_limited</c>, the server's rate limiter).
/// </summary>
public sealed record InvitationLimits(int PendingPerOrganization, TimeSpan ResendCooldown, int PerUserPerMinute)
{
    public static readonly InvitationLimits Default = new(PendingPerOrganization: 100, ResendCooldown: TimeSpan.FromSeconds(60), PerUserPerMinute: 30);

    public const string Policy = "invitations";
}

/// <summary>The invitation, and whether it is new (201) or an existing pending one sent again (200).</summary>
public sealed record InvitationSent(InvitationDto Invitation, bool Created);

/// <summary>Invites an e-mail address to an organization with an org role; a pending invitation for it is sent again.</summary>
public sealed record InviteToOrganizationCommand(OrganizationId OrganizationId, string? Email, string? Role)
    : ICommand<InvitationSent>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgManageMembers;
    public ResourceRef Resource => new ResourceRef.Organization(OrganizationId);
}

public sealed class InviteToOrganizationValidator : AbstractValidator<InviteToOrganizationCommand>
{
    public InviteToOrganizationValidator()
    {
        RuleFor(c => c.Email).DeliverableEmail();
        RuleFor(c => c.Role).ValidOrgRole();
    }
}

public sealed class InviteToOrganizationHandler(IAppDbContext db, InvitationSender sender, ICurrentUser caller)
    : IRequestHandler<InviteToOrganizationCommand, InvitationSent>
{
    public async Task<InvitationSent> Handle(InviteToOrganizationCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.OrganizationId, cancellationToken);
        var role = RoleCodes.ParseOrgRole(command.Role!);
        return await sender.SendAsync(org.Id, org.Id.Value, command.Email!, existing => Invitation.EnsureNotMember(org, existing),
            (email, existing, hash, now) => Invitation.ToOrganization(org, caller.Id, email, existing, role, hash, now), cancellationToken);
    }
}

/// <summary>Invites an e-mail address to a team with a team role, within the plan's members-per-team limit.</summary>
public sealed record InviteToTeamCommand(TeamId TeamId, string? Email, string? Role) : ICommand<InvitationSent>, IAuthorizedRequest
{
    public Permission Permission => Permission.TeamManageMembers;
    public ResourceRef Resource => new ResourceRef.Team(TeamId);
}

public sealed class InviteToTeamValidator : AbstractValidator<InviteToTeamCommand>
{
    public InviteToTeamValidator()
    {
        RuleFor(c => c.Email).DeliverableEmail();
        RuleFor(c => c.Role).ValidTeamRole();
    }
}

public sealed class InviteToTeamHandler(IAppDbContext db, InvitationSender sender, ICurrentUser caller)
    : IRequestHandler<InviteToTeamCommand, InvitationSent>
{
    public async Task<InvitationSent> Handle(InviteToTeamCommand command, CancellationToken cancellationToken)
    {
        var team = await db.Teams.GetAsync(command.TeamId, cancellationToken);
        var subscription = await db.Subscriptions.OfAsync(team.OrganizationId, cancellationToken);
        var role = RoleCodes.ParseTeamRole(command.Role!);
        return await sender.SendAsync(team.OrganizationId, team.Id.Value, command.Email!, existing => Invitation.EnsureNotMember(team, existing),
            (email, existing, hash, now) => Invitation.ToTeam(team, subscription, caller.Id, email, existing, role, hash, now), cancellationToken);
    }
}

/// <summary>
/// What inviting to an organization and to a team share: a pending invitation for the address is sent again (within the
/// cooldown), else a new one is made within the organization's pending limit; its mail is queued in the same transaction.
/// </summary>
public sealed class InvitationSender(IAppDbContext db, TimeProvider clock, InvitationMailer mailer, MailOutboxSignal signal, InvitationLimits limits)
{
    public async Task<InvitationSent> SendAsync(OrganizationId organization, Guid target, string address, Action<UserId?> ensureNotMember,
        Func<EmailAddress, UserId?, string, DateTimeOffset, Invitation> create, CancellationToken cancellationToken)
    {
        var email = EmailAddress.From(address);
        await db.LockSubscriptionAsync(organization, cancellationToken);   // invitations of one organization count one after the other
        var now = clock.GetUtcNow();
        var existing = await Users.UserDirectory.IdOfAsync(db, email, cancellationToken);
        var pending = await Invitations.PendingAsync(db, target, email, cancellationToken);
        var (token, hash) = InvitationTokens.New();
        Invitation invitation;
        if (pending is not null)
        {
            ensureNotMember(existing);
            pending.Resend(hash, now, limits.ResendCooldown);
            invitation = pending;
        }
        else
        {
            await Invitations.EnsureRoomAsync(db, organization, limits, now, cancellationToken);
            invitation = create(email, existing, hash, now);
            db.Invitations.Add(invitation);
        }
        await mailer.QueueAsync(invitation, token, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return new InvitationSent(await InvitationReads.OneAsync(db, invitation, now, cancellationToken), pending is null);
    }
}

internal static class Invitations
{
    public static async Task EnsureRoomAsync(IAppDbContext db, OrganizationId organization, InvitationLimits limits, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var pending = await db.Invitations.CountAsync(
            i => i.OrganizationId == organization && i.Status == InvitationStatus.Pending && i.ExpiresAt > now, cancellationToken);
        if (pending >= limits.PendingPerOrganization)
            throw new RuleViolationException("invitation.limit",
                $"This organization has {pending} pending invitations, the most it may have; revoke some or wait until they are answered.");
    }

    public static Task<Invitation?> PendingAsync(IAppDbContext db, Guid target, EmailAddress email, CancellationToken cancellationToken) =>
        db.Invitations.SingleOrDefaultAsync(i => i.TargetId == target && i.Email == email.Value && i.Status == InvitationStatus.Pending, cancellationToken);
}
