using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Domain.UnitTests;

public sealed class OrganizationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private readonly UserId _founder = UserId.New();
    private readonly UserId _alice = UserId.New();
    private readonly UserId _bob = UserId.New();

    private Organization Found()
    {
        var (org, _, _) = Organization.Found("Acme", Slug.From("acme"), _founder, TestPlans.For(Tier.Free), Now);
        org.ClearDomainEvents();
        return org;
    }

    [Fact]
    public void Founding_makes_the_founder_owner_and_team_admin_of_a_default_team_subscribed_to_the_plan()
    {
        var plan = TestPlans.For(Tier.Free);

        var (org, team, subscription) = Organization.Found("  Acme  ", Slug.From("acme"), _founder, plan, Now);

        Assert.Equal("Acme", org.Name);
        Assert.Equal((org.Id, plan.Id, Tier.Free, 0), (subscription.OrganizationId, subscription.PlanId, subscription.Tier, subscription.ActiveDeployments));
        Assert.Equal(OrgRole.Owner, org.RoleOf(_founder));
        Assert.Equal(1, org.OwnerCount);
        Assert.True(team.IsDefault);
        Assert.Equal(org.Id, team.OrganizationId);
        Assert.Equal(TeamRole.Admin, team.RoleOf(_founder));
        Assert.Equal(1, team.MemberCount);
        Assert.Equal([typeof(OrganizationFounded), typeof(TeamAdded)], org.DomainEvents.Select(e => e.GetType()));
    }

    [Fact]
    public void Events_of_different_aggregates_keep_the_order_they_were_raised_in()
    {
        var (org, team, _) = Organization.Found("Acme", Slug.From("acme"), _founder, TestPlans.For(Tier.Business), Now);

        var all = org.OrderedDomainEvents.Concat(team.OrderedDomainEvents).OrderBy(e => e.Order).Select(e => e.Event.GetType());

        Assert.Equal([typeof(OrganizationFounded), typeof(TeamAdded), typeof(Domain.Teams.TeamMemberAdded)], all);
    }

    [Fact]
    public void Adding_an_existing_member_is_refused()
    {
        var org = Found();
        org.AddMember(_founder, _alice, OrgRole.Member, Now);

        var error = Assert.Throws<RuleViolationException>(() => org.AddMember(_founder, _alice, OrgRole.Admin, Now));

        Assert.Equal("org.member_exists", error.Code);
    }

    [Fact]
    public void Only_an_owner_can_make_someone_an_owner()
    {
        var org = Found();
        org.AddMember(_founder, _alice, OrgRole.Admin, Now);

        var error = Assert.Throws<AccessDeniedException>(() => org.AddMember(_alice, _bob, OrgRole.Owner, Now));

        Assert.Equal("org.owner_required", error.Code);
        Assert.False(org.IsMember(_bob));
    }

    [Fact]
    public void An_admin_cannot_demote_or_remove_an_owner()
    {
        var org = Found();
        org.AddMember(_founder, _alice, OrgRole.Admin, Now);

        Assert.Throws<AccessDeniedException>(() => org.ChangeMemberRole(_alice, _founder, OrgRole.Member, Now));
        Assert.Throws<AccessDeniedException>(() => org.RemoveMember(_alice, _founder, Now));
        Assert.Equal(OrgRole.Owner, org.RoleOf(_founder));
    }

    [Fact]
    public void The_last_owner_cannot_be_demoted()
    {
        var org = Found();

        var error = Assert.Throws<RuleViolationException>(() => org.ChangeMemberRole(_founder, _founder, OrgRole.Admin, Now));

        Assert.Equal("org.last_owner", error.Code);
        Assert.Equal(1, org.OwnerCount);
        Assert.Empty(org.DomainEvents);
    }

    [Fact]
    public void The_last_owner_cannot_be_removed()
    {
        var org = Found();

        var error = Assert.Throws<RuleViolationException>(() => org.RemoveMember(_founder, _founder, Now));

        Assert.Equal("org.last_owner", error.Code);
        Assert.True(org.IsMember(_founder));
    }

    [Fact]
    public void With_a_second_owner_the_first_may_step_down_and_the_owner_count_follows()
    {
        var org = Found();
        org.AddMember(_founder, _alice, OrgRole.Owner, Now);
        Assert.Equal(2, org.OwnerCount);

        org.ChangeMemberRole(_alice, _founder, OrgRole.Member, Now);

        Assert.Equal(OrgRole.Member, org.RoleOf(_founder));
        Assert.Equal(1, org.OwnerCount);
        Assert.Throws<RuleViolationException>(() => org.RemoveMember(_alice, _alice, Now));
    }

    [Fact]
    public void Removing_an_owner_when_another_remains_decrements_the_owner_count()
    {
        var org = Found();
        org.AddMember(_founder, _alice, OrgRole.Owner, Now);

        org.RemoveMember(_founder, _alice, Now);

        Assert.False(org.IsMember(_alice));
        Assert.Equal(1, org.OwnerCount);
        Assert.IsType<OrgMemberRemoved>(org.DomainEvents[^1]);
    }

    [Fact]
    public void Changing_or_removing_someone_who_is_not_a_member_is_not_found()
    {
        var org = Found();

        Assert.Throws<NotFoundException>(() => org.ChangeMemberRole(_founder, _bob, OrgRole.Admin, Now));
        Assert.Throws<NotFoundException>(() => org.RemoveMember(_founder, _bob, Now));
    }

    [Fact]
    public void Ensure_member_adds_a_plain_member_once()
    {
        var org = Found();

        Assert.True(org.EnsureMember(_alice, Now));
        Assert.False(org.EnsureMember(_alice, Now));
        Assert.False(org.EnsureMember(_founder, Now));

        Assert.Equal(OrgRole.Member, org.RoleOf(_alice));
        Assert.Equal(OrgRole.Owner, org.RoleOf(_founder));
    }


    [Fact]
    public void Renaming_trims_and_ignores_a_no_op()
    {
        var org = Found();

        org.Rename(" Acme ", Now);
        Assert.Empty(org.DomainEvents);
        org.Rename("Acme Corp", Now);

        Assert.Equal("Acme Corp", org.Name);
        Assert.Single(org.DomainEvents);
    }

    [Fact]
    public void A_new_team_belongs_to_the_organization_and_is_not_default()
    {
        var org = Found();

        var team = org.AddTeam("Platform", Now);

        Assert.Equal(org.Id, team.OrganizationId);
        Assert.False(team.IsDefault);
        Assert.Equal(0, team.MemberCount);
    }
}
