using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Teams;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Domain.UnitTests;

public sealed class TeamTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private readonly UserId _founder = UserId.New();

    private Subscription _subscription = null!;

    private (Organization Org, Team DefaultTeam) Found(Tier tier)
    {
        var (org, team, subscription) = Organization.Found("Acme", Slug.From("acme"), _founder, TestPlans.For(Tier.Free), Now);
        subscription.ChangePlan(TestPlans.For(tier), Now);
        _subscription = subscription;
        return (org, team);
    }

    private static UserId Join(Organization org)
    {
        var user = UserId.New();
        org.EnsureMember(user, Now);
        return user;
    }

    [Fact]
    public void On_free_the_founder_fills_the_default_team()
    {
        var (org, team) = Found(Tier.Free);

        var error = Assert.Throws<RuleViolationException>(() => team.AddMember(org, _subscription, Join(org), TeamRole.Developer, Now));

        Assert.Equal("tier.team_member_limit", error.Code);
        Assert.Contains("Free", error.Message);
        Assert.Equal(1, team.MemberCount);
    }

    [Fact]
    public void On_business_a_team_holds_ten_members_and_refuses_the_eleventh()
    {
        var (org, team) = Found(Tier.Business);
        for (var i = 0; i < 9; i++) team.AddMember(org, _subscription, Join(org), TeamRole.Developer, Now);

        Assert.Equal(10, team.MemberCount);
        Assert.Throws<RuleViolationException>(() => team.AddMember(org, _subscription, Join(org), TeamRole.Viewer, Now));
    }

    [Fact]
    public void On_enterprise_there_is_no_member_limit()
    {
        var (org, team) = Found(Tier.Enterprise);

        for (var i = 0; i < 200; i++) team.AddMember(org, _subscription, Join(org), TeamRole.Viewer, Now);

        Assert.Equal(201, team.MemberCount);
    }

    [Fact]
    public void A_downgrade_keeps_existing_members_but_blocks_new_ones()
    {
        var (org, team) = Found(Tier.Business);
        team.AddMember(org, _subscription, Join(org), TeamRole.Developer, Now);

        _subscription.ChangePlan(TestPlans.For(Tier.Free), Now);

        Assert.Equal(2, team.MemberCount);
        Assert.Throws<RuleViolationException>(() => team.AddMember(org, _subscription, Join(org), TeamRole.Developer, Now));
    }

    [Fact]
    public void A_user_joins_a_team_once()
    {
        var (org, team) = Found(Tier.Business);
        var user = Join(org);
        team.AddMember(org, _subscription, user, TeamRole.Developer, Now);

        var error = Assert.Throws<RuleViolationException>(() => team.AddMember(org, _subscription, user, TeamRole.Viewer, Now));

        Assert.Equal("team.member_exists", error.Code);
        Assert.Equal(2, team.MemberCount);
    }

    [Fact]
    public void Only_members_of_the_same_organization_can_join()
    {
        var (org, team) = Found(Tier.Business);
        var (other, _, otherSubscription) = Organization.Found("Other", Slug.From("other"), UserId.New(), TestPlans.For(Tier.Business), Now);

        Assert.Throws<InvalidOperationException>(() => team.AddMember(org, _subscription, UserId.New(), TeamRole.Viewer, Now));
        Assert.Throws<InvalidOperationException>(() => team.AddMember(other, _subscription, _founder, TeamRole.Viewer, Now));
        Assert.Throws<InvalidOperationException>(() => team.AddMember(org, otherSubscription, _founder, TeamRole.Viewer, Now));
    }

    [Fact]
    public void Roles_change_and_members_leave()
    {
        var (org, team) = Found(Tier.Business);
        var user = Join(org);
        team.AddMember(org, _subscription, user, TeamRole.Viewer, Now);

        team.ChangeMemberRole(user, TeamRole.Developer, Now);
        Assert.Equal(TeamRole.Developer, team.RoleOf(user));
        team.RemoveMember(user, Now);

        Assert.Null(team.RoleOf(user));
        Assert.Equal(1, team.MemberCount);
        Assert.False(team.RemoveMemberIfPresent(user, Now));
        Assert.Throws<NotFoundException>(() => team.ChangeMemberRole(user, TeamRole.Viewer, Now));
    }

    [Fact]
    public void The_default_team_cannot_be_deleted_but_others_can()
    {
        var (org, team) = Found(Tier.Free);

        var error = Assert.Throws<RuleViolationException>(team.EnsureDeletable);
        org.AddTeam("Other", Now).EnsureDeletable();

        Assert.Equal("team.default_team", error.Code);
    }
}
