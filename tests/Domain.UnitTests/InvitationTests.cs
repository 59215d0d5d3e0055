using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Invitations;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Domain.Users;

namespace CleanScheduler.Domain.UnitTests;

public sealed class InvitationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Hash = new('a', 64);
    private static readonly EmailAddress Bob = EmailAddress.From("bob@example.test");
    private readonly UserId _founder = UserId.New();

    private (Organization Org, Team Team, Subscription Subscription) Found(Tier tier)
    {
        var (org, team, subscription) = Organization.Found("Acme", Slug.From("acme"), _founder, TestPlans.For(Tier.Free), Now);
        subscription.ChangePlan(TestPlans.For(tier), Now);
        return (org, team, subscription);
    }

    [Fact]
    public void A_team_invitation_is_pending_for_seven_days_then_expired()
    {
        var (_, team, subscription) = Found(Tier.Business);

        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Developer, Hash, Now);

        Assert.Equal(InvitationStatus.Pending, invitation.StatusAt(Now.AddDays(7).AddTicks(-1)));
        Assert.Equal(InvitationStatus.Expired, invitation.StatusAt(Now.AddDays(7)));
        Assert.Equal(InvitationMailStatus.Queued, invitation.MailStatus);
        Assert.IsType<InvitationCreated>(Assert.Single(invitation.DomainEvents));
    }

    [Fact]
    public void Accepting_adds_the_user_to_the_team_and_the_organization_once()
    {
        var (org, team, subscription) = Found(Tier.Business);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Developer, Hash, Now);
        var bob = UserId.New();

        invitation.AcceptIntoTeam(org, team, subscription, bob, EmailAddress.From("BOB@example.test"), Now.AddDays(1));

        Assert.Equal(TeamRole.Developer, team.RoleOf(bob));
        Assert.Equal(OrgRole.Member, org.RoleOf(bob));
        Assert.Equal(InvitationStatus.Accepted, invitation.Status);
        var again = Assert.Throws<InvitationUnusableException>(() => invitation.AcceptIntoTeam(org, team, subscription, bob, Bob, Now.AddDays(1)));
        Assert.Equal("invitation.accepted", again.Code);
    }

    [Fact]
    public void Another_address_cannot_accept()
    {
        var (org, team, subscription) = Found(Tier.Business);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now);

        var error = Assert.Throws<AccessDeniedException>(() =>
            invitation.AcceptIntoTeam(org, team, subscription, UserId.New(), EmailAddress.From("eve@example.test"), Now));

        Assert.Equal("invitation.wrong_email", error.Code);
        Assert.Equal(InvitationStatus.Pending, invitation.Status);
    }

    [Fact]
    public void An_expired_invitation_cannot_be_accepted_or_declined()
    {
        var (org, team, subscription) = Found(Tier.Business);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now);

        Assert.Equal("invitation.expired", Assert.Throws<InvitationUnusableException>(() =>
            invitation.AcceptIntoTeam(org, team, subscription, UserId.New(), Bob, Now.AddDays(8))).Code);
        Assert.Equal("invitation.expired", Assert.Throws<InvitationUnusableException>(() => invitation.Decline(Now.AddDays(8))).Code);
    }

    [Fact]
    public void The_team_limit_is_checked_at_invitation_and_again_at_acceptance()
    {
        var (org, team, subscription) = Found(Tier.Free);
        Assert.Equal("tier.team_member_limit", Assert.Throws<RuleViolationException>(() =>
            Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now)).Code);

        subscription.ChangePlan(TestPlans.For(Tier.Business), Now);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now);
        subscription.ChangePlan(TestPlans.For(Tier.Free), Now);   // a downgrade between invitation and acceptance

        Assert.Equal("tier.team_member_limit", Assert.Throws<RuleViolationException>(() =>
            invitation.AcceptIntoTeam(org, team, subscription, UserId.New(), Bob, Now)).Code);
        Assert.Equal(InvitationStatus.Pending, invitation.Status);
    }

    [Fact]
    public void Resending_takes_a_new_token_and_a_fresh_expiry_and_only_while_pending()
    {
        var (_, team, subscription) = Found(Tier.Business);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now);
        var newHash = new string('b', 64);

        invitation.Resend(newHash, Now.AddDays(6), TimeSpan.FromMinutes(1));

        Assert.Equal(newHash, invitation.TokenHash);
        Assert.Equal(Now.AddDays(13), invitation.ExpiresAt);
        invitation.Revoke(Now.AddDays(6));
        Assert.Equal("invitation.not_pending", Assert.Throws<RuleViolationException>(() => invitation.Resend(Hash, Now.AddDays(6), TimeSpan.FromMinutes(1))).Code);
    }

    [Fact]
    public void An_org_invitation_is_void_once_its_inviter_was_demoted_or_removed()
    {
        var (org, _, _) = Found(Tier.Business);
        var admin = UserId.New();
        org.AddMember(_founder, admin, OrgRole.Admin, Now);
        var toDemote = Invitation.ToOrganization(org, admin, Bob, null, OrgRole.Member, Hash, Now);
        var carol = EmailAddress.From("carol@example.test");
        var toRemove = Invitation.ToOrganization(org, admin, carol, null, OrgRole.Member, Hash, Now);

        org.ChangeMemberRole(_founder, admin, OrgRole.Member, Now);
        var demoted = Assert.Throws<InvitationUnusableException>(() => toDemote.AcceptIntoOrganization(org, UserId.New(), Bob, Now));
        org.RemoveMember(_founder, admin, Now);
        var removed = Assert.Throws<InvitationUnusableException>(() => toRemove.AcceptIntoOrganization(org, UserId.New(), carol, Now));

        Assert.Equal(["invitation.revoked", "invitation.revoked"], new[] { demoted.Code, removed.Code });
        Assert.Equal(InvitationStatus.Pending, toDemote.Status);
    }

    [Fact]
    public void A_team_invitation_is_void_once_its_inviter_no_longer_manages_the_team()
    {
        var (org, team, subscription) = Found(Tier.Business);
        var teamAdmin = UserId.New();
        org.EnsureMember(teamAdmin, Now);
        team.AddMember(org, subscription, teamAdmin, TeamRole.Admin, Now);
        var invitation = Invitation.ToTeam(team, subscription, teamAdmin, Bob, null, TeamRole.Viewer, Hash, Now);
        var kept = Invitation.ToTeam(team, subscription, _founder, EmailAddress.From("carol@example.test"), null, TeamRole.Viewer, Hash, Now);

        team.ChangeMemberRole(teamAdmin, TeamRole.Developer, Now);

        Assert.Equal("invitation.revoked", Assert.Throws<InvitationUnusableException>(() =>
            invitation.AcceptIntoTeam(org, team, subscription, UserId.New(), Bob, Now)).Code);
        kept.AcceptIntoTeam(org, team, subscription, UserId.New(), EmailAddress.From("carol@example.test"), Now);   // an owner's stays valid
        Assert.Equal(InvitationStatus.Accepted, kept.Status);
    }

    [Fact]
    public void An_invitation_is_not_resent_within_the_cooldown_unless_its_mail_failed()
    {
        var (_, team, subscription) = Found(Tier.Business);
        var invitation = Invitation.ToTeam(team, subscription, _founder, Bob, null, TeamRole.Viewer, Hash, Now);

        var tooSoon = Assert.Throws<InvitationTooSoonException>(() => invitation.Resend(new string('b', 64), Now.AddSeconds(20), TimeSpan.FromMinutes(1)));
        invitation.Resend(new string('c', 64), Now.AddMinutes(1), TimeSpan.FromMinutes(1));

        Assert.Equal("invitation.too_soon", tooSoon.Code);
        Assert.Equal(TimeSpan.FromSeconds(40), tooSoon.RetryAfter);
        Assert.Equal(new string('c', 64), invitation.TokenHash);
        Assert.Equal(Now.AddMinutes(1), invitation.LastSentAt);
    }

    [Fact]
    public void Only_an_owner_invites_an_owner_and_members_are_not_invited()
    {
        var (org, _, _) = Found(Tier.Business);
        var admin = UserId.New();
        org.AddMember(_founder, admin, OrgRole.Admin, Now);

        Assert.Equal("org.owner_required", Assert.Throws<AccessDeniedException>(() =>
            Invitation.ToOrganization(org, admin, Bob, null, OrgRole.Owner, Hash, Now)).Code);
        Assert.Equal("invitation.already_member", Assert.Throws<RuleViolationException>(() =>
            Invitation.ToOrganization(org, _founder, Bob, admin, OrgRole.Member, Hash, Now)).Code);
        Assert.Equal(InvitationStatus.Pending, Invitation.ToOrganization(org, _founder, Bob, null, OrgRole.Owner, Hash, Now).Status);
    }
}
