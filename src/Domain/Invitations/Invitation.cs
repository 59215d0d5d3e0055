using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Users;

namespace CleanScheduler.Domain.Invitations;

public readonly record struct InvitationId(Guid Value)
{
    public static InvitationId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public enum InvitationStatus
{
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,   // never stored: a pending invitation past its expiry
}

public enum InvitationMailStatus
{
    Queued,
    Sent,
    Failed,
}

/// <summary>
/// An invitation of an e-mail address to an organization (with an org role) or to one of its teams (with a team
/// role). Its link carries a single-use token, of which only the hash (<see cref="TokenHash"/>) is kept; it expires
/// after <see cref="Lifetime"/>. Resending issues a new token and a new expiry (the old link stops working).
/// </summary>
public sealed class Invitation : AggregateRoot<InvitationId>
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private Invitation() { }

    public OrganizationId OrganizationId { get; private set; }
    public TeamId? TeamId { get; private set; }
    public Guid TargetId { get; private set; }
    public string Email { get; private set; } = null!;
    public string Role { get; private set; } = null!;
    public InvitationStatus Status { get; private set; }
    public InvitationMailStatus MailStatus { get; private set; }
    public string TokenHash { get; private set; } = null!;
    public UserId? InvitedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? RespondedAt { get; private set; }

    public bool IsTeamInvitation => TeamId is not null;

    /// <summary>The status as the invitee and the inviter see it at <paramref name="now"/>: a pending one past its expiry is expired.</summary>
    public InvitationStatus StatusAt(DateTimeOffset now) =>
        Status == InvitationStatus.Pending && now >= ExpiresAt ? InvitationStatus.Expired : Status;

    /// <summary>Invites <paramref name="email"/> to the organization. Only an owner may invite an owner.</summary>
    public static Invitation ToOrganization(Organization organization, UserId actor, EmailAddress email, UserId? existingUser, OrgRole role,
        string tokenHash, DateTimeOffset now)
    {
        EnsureNotMember(organization, existingUser);
        if (role == OrgRole.Owner && organization.RoleOf(actor) != OrgRole.Owner)
            throw new AccessDeniedException("org.owner_required", "Only an organization owner can invite an owner.");
        return Create(organization.Id, null, organization.Id.Value, actor, email, role.ToCode(), tokenHash, now);
    }

    /// <summary>Invites <paramref name="email"/> to the team, if the plan leaves room in it now (checked again at acceptance).</summary>
    public static Invitation ToTeam(Team team, Subscription subscription, UserId actor, EmailAddress email, UserId? existingUser, TeamRole role,
        string tokenHash, DateTimeOffset now)
    {
        if (subscription.OrganizationId != team.OrganizationId)
            throw new InvalidOperationException("The subscription belongs to another organization.");
        EnsureNotMember(team, existingUser);
        subscription.EnsureTeamHasRoom(team.MemberCount, now);
        return Create(team.OrganizationId, team.Id, team.Id.Value, actor, email, role.ToCode(), tokenHash, now);
    }

    public static void EnsureNotMember(Organization organization, UserId? user)
    {
        if (user is { } id && organization.IsMember(id))
            throw new RuleViolationException("invitation.already_member", "That person is already a member of this organization.");
    }

    public static void EnsureNotMember(Team team, UserId? user)
    {
        if (user is { } id && team.RoleOf(id) is not null)
            throw new RuleViolationException("invitation.already_member", "That person is already a member of this team.");
    }

    private static Invitation Create(OrganizationId organization, TeamId? team, Guid target, UserId actor, EmailAddress email, string role,
        string tokenHash, DateTimeOffset now)
    {
        var invitation = new Invitation
        {
            Id = InvitationId.New(),
            OrganizationId = organization,
            TeamId = team,
            TargetId = target,
            Email = email.Value,
            Role = role,
            Status = InvitationStatus.Pending,
            MailStatus = InvitationMailStatus.Queued,
            TokenHash = tokenHash,
            InvitedBy = actor,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        invitation.Raise(new InvitationCreated(organization, invitation.Id, team, invitation.Email, role, now));
        return invitation;
    }

    /// <summary>When its mail was last queued (created or resent): its expiry is counted from then.</summary>
    public DateTimeOffset LastSentAt => ExpiresAt - Lifetime;

    /// <summary>
    /// Sends the invitation again: a new token (the old link stops working), a fresh expiry, the mail queued again. Not
    /// within <paramref name="cooldown"/> of the last mail (the recipient is not flooded), unless that mail failed.
    /// </summary>
    public void Resend(string tokenHash, DateTimeOffset now, TimeSpan cooldown)
    {
        if (Status != InvitationStatus.Pending)
            throw new RuleViolationException("invitation.not_pending", $"The invitation was {Status.ToCode()}; invite again instead.");
        if (MailStatus != InvitationMailStatus.Failed && now < LastSentAt + cooldown)
            throw new InvitationTooSoonException(LastSentAt + cooldown - now);
        TokenHash = tokenHash;
        ExpiresAt = now + Lifetime;
        MailStatus = InvitationMailStatus.Queued;
        Raise(new InvitationResent(OrganizationId, Id, Email, now));
    }

    public void Revoke(DateTimeOffset now)
    {
        if (Status != InvitationStatus.Pending)
            throw new RuleViolationException("invitation.not_pending", $"The invitation was {Status.ToCode()} already.");
        Status = InvitationStatus.Revoked;
        RespondedAt = now;
        Raise(new InvitationRevoked(OrganizationId, Id, Email, now));
    }

    /// <summary>Declining needs no account: whoever holds the link may say no.</summary>
    public void Decline(DateTimeOffset now)
    {
        EnsureUsable(now);
        Status = InvitationStatus.Declined;
        RespondedAt = now;
        Raise(new InvitationDeclined(OrganizationId, Id, Email, now));
    }

    /// <summary>
    /// The signed-in <paramref name="user"/>, whose verified address must be the invited one, joins the organization with
    /// the invited role. The inviter must still manage the organization's members (an owner invitation: still be an owner).
    /// </summary>
    public void AcceptIntoOrganization(Organization organization, UserId user, EmailAddress userEmail, DateTimeOffset now)
    {
        EnsureAcceptableBy(organization.Id, userEmail, now);
        EnsureInviterMayStillInvite(organization, null);
        if (!organization.IsMember(user))
            organization.AddMember(InvitedBy ?? user, user, RoleCodes.ParseOrgRole(Role), now);
        Accepted(user, now);
    }

    /// <summary>
    /// The signed-in <paramref name="user"/> joins the team (and the organization as <c>org_member</c>), within the plan's
    /// limit now, if the inviter still manages the team's members.
    /// </summary>
    public void AcceptIntoTeam(Organization organization, Team team, Subscription subscription, UserId user, EmailAddress userEmail, DateTimeOffset now)
    {
        if (team.Id != TeamId)
            throw new InvalidOperationException("The invitation is for another team.");
        EnsureAcceptableBy(organization.Id, userEmail, now);
        EnsureInviterMayStillInvite(organization, team);
        if (team.RoleOf(user) is null)
        {
            organization.EnsureMember(user, now);
            team.AddMember(organization, subscription, user, RoleCodes.ParseTeamRole(Role), now);
        }
        Accepted(user, now);
    }

    private void EnsureAcceptableBy(OrganizationId organization, EmailAddress userEmail, DateTimeOffset now)
    {
        if (organization != OrganizationId)
            throw new InvalidOperationException("The invitation is for another organization.");
        EnsureUsable(now);
        if (!string.Equals(userEmail.Value, Email, StringComparison.OrdinalIgnoreCase))
            throw new AccessDeniedException("invitation.wrong_email",
                "This invitation was sent to another e-mail address; sign in with the address it was sent to.");
    }

    /// <summary>An invitation is as good as its inviter's authority now: one removed or demoted since cannot bring anyone in.</summary>
    private void EnsureInviterMayStillInvite(Organization organization, Team? team)
    {
        var orgRole = InvitedBy is { } inviter ? organization.RoleOf(inviter) : null;
        var teamRole = InvitedBy is { } teamInviter ? team?.RoleOf(teamInviter) : null;
        if (!Permissions.Allows(orgRole, teamRole, team is null ? Permission.OrgManageMembers : Permission.TeamManageMembers))
            throw new InvitationUnusableException("invitation.revoked",
                "This invitation is no longer valid: the person who sent it can no longer invite members. Ask for a new one.");
    }

    private void Accepted(UserId user, DateTimeOffset now)
    {
        Status = InvitationStatus.Accepted;
        RespondedAt = now;
        Raise(new InvitationAccepted(OrganizationId, Id, user, Email, now));
    }

    private void EnsureUsable(DateTimeOffset now)
    {
        var status = StatusAt(now);
        if (status != InvitationStatus.Pending)
            throw new InvitationUnusableException($"invitation.{status.ToCode()}", status switch
            {
                InvitationStatus.Expired => "This invitation has expired; ask for a new one.",
                InvitationStatus.Revoked => "This invitation was withdrawn.",
                _ => $"This invitation was {status.ToCode()} already; each invitation link works once.",
            });
    }
}

/// <summary>The invitation's mail was sent a moment ago; it may be sent again after <see cref="RetryAfter"/> (HTTP 429).</summary>
public sealed class InvitationTooSoonException(TimeSpan retryAfter)
    : DomainException("invitation.too_soon", $"This invitation was sent a moment ago; send it again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The invitation exists but can no longer be used: expired, revoked, accepted or declined (HTTP 410).</summary>
public sealed class InvitationUnusableException(string code, string message) : DomainException(code, message);

public static class InvitationCodes
{
    public static string ToCode(this InvitationStatus status) => status switch
    {
        InvitationStatus.Pending => "pending",
        InvitationStatus.Accepted => "accepted",
        InvitationStatus.Declined => "declined",
        InvitationStatus.Revoked => "revoked",
        _ => "expired",
    };

    public static InvitationStatus ParseStatus(string code) => code switch
    {
        "pending" => InvitationStatus.Pending,
        "accepted" => InvitationStatus.Accepted,
        "declined" => InvitationStatus.Declined,
        "revoked" => InvitationStatus.Revoked,
        _ => throw new ArgumentException($"Unknown invitation status '{code}'.", nameof(code)),
    };

    public static string ToCode(this InvitationMailStatus status) => status switch
    {
        InvitationMailStatus.Queued => "queued",
        InvitationMailStatus.Sent => "sent",
        _ => "failed",
    };

    public static InvitationMailStatus ParseMailStatus(string code) => code switch
    {
        "queued" => InvitationMailStatus.Queued,
        "sent" => InvitationMailStatus.Sent,
        "failed" => InvitationMailStatus.Failed,
        _ => throw new ArgumentException($"Unknown mail status '{code}'.", nameof(code)),
    };
}

public sealed record InvitationCreated(OrganizationId Organization, InvitationId Invitation, TeamId? Team, string Email, string Role, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record InvitationResent(OrganizationId Organization, InvitationId Invitation, string Email, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record InvitationRevoked(OrganizationId Organization, InvitationId Invitation, string Email, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record InvitationDeclined(OrganizationId Organization, InvitationId Invitation, string Email, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record InvitationAccepted(OrganizationId Organization, InvitationId Invitation, UserId User, string Email, DateTimeOffset OccurredAt) : IDomainEvent;
