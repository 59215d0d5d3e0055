using CleanScheduler.Application.Common.Specifications;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Application.UnitTests;

/// <summary>The specifications evaluated in memory (<c>IsSatisfiedBy</c>); the SQL side runs in TemplateVisibilityTests.</summary>
public sealed class SpecificationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private const string Spec = "services:\n  - name: web\n    image: nginx\n";
    private static readonly OrganizationId Org = OrganizationId.New();
    private static readonly TeamId Team = TeamId.New();
    private static readonly TeamId OtherTeam = TeamId.New();
    private static readonly UserId Me = UserId.New();
    private static readonly UserId Someone = UserId.New();

    private static readonly Dictionary<string, Template> Templates = new()
    {
        ["system"] = Template.PublishSystem("System", "", Spec, null, Now),
        ["org"] = Template.CreateFor(Org, Team, TemplateVisibility.Org, "Org", "", Spec, Someone, Now),
        ["team"] = Template.CreateFor(Org, Team, TemplateVisibility.Team, "Team", "", Spec, Someone, Now),
        ["other-team"] = Template.CreateFor(Org, OtherTeam, TemplateVisibility.Team, "Other team", "", Spec, Me, Now),
        ["mine"] = Template.CreateFor(Org, Team, TemplateVisibility.Private, "Mine", "", Spec, Me, Now),
        ["theirs"] = Template.CreateFor(Org, Team, TemplateVisibility.Private, "Theirs", "", Spec, Someone, Now),
        ["other-org"] = Template.CreateFor(OrganizationId.New(), TeamId.New(), TemplateVisibility.Org, "Elsewhere", "", Spec, Me, Now),
        ["mine-other-org"] = Template.CreateFor(OrganizationId.New(), TeamId.New(), TemplateVisibility.Private, "Mine elsewhere", "", Spec, Me, Now),
    };

    private static string Satisfying(Ardalis.Specification.ISpecification<Template> specification) =>
        string.Join(", ", Templates.Where(t => specification.IsSatisfiedBy(t.Value)).Select(t => t.Key).Order());

    [Fact]
    public void A_team_offers_system_its_organizations_its_own_and_the_callers_private_templates() =>
        Assert.Equal("mine, org, system, team", Satisfying(new TemplatesUsableInTeam(Org, Team, Me)));

    [Fact]
    public void A_caller_sees_the_team_templates_of_every_team_they_may_read()
    {
        var memberOf = new[] { Org }.AsQueryable();

        Assert.Equal("mine, org, other-team, system, team",
            Satisfying(new TemplatesVisibleTo(memberOf, new[] { Team, OtherTeam }.AsQueryable(), Me)));
        Assert.Equal("mine, org, system, team", Satisfying(new TemplatesVisibleTo(memberOf, new[] { Team }.AsQueryable(), Me)));
    }

    [Fact]
    public void Without_memberships_only_system_templates_are_visible() =>
        Assert.Equal("system", Satisfying(new TemplatesVisibleTo(Array.Empty<OrganizationId>().AsQueryable(), Array.Empty<TeamId>().AsQueryable(), Me)));

    [Theory]
    [InlineData(OrgRole.Owner)]
    [InlineData(OrgRole.Admin)]
    [InlineData(OrgRole.Member)]
    public void Every_team_is_readable_exactly_where_the_role_table_says_so(OrgRole role)
    {
        var plan = BillingPlan.Define(Slug.From("free"), "Free", Tier.Free, TierLimits.For(Tier.Free), Now);
        var (org, _, _) = Organization.Found("Acme", Slug.From("acme"), Someone, plan, Now);
        org.AddMember(Someone, Me, role, Now);

        var readable = new OrganizationsWhereEveryTeamIsReadable(null, null, Me).IsSatisfiedBy(org);

        Assert.Equal(Permissions.Allows(role, null, Permission.TeamRead), readable);
        Assert.Equal(role != OrgRole.Member, readable);
        Assert.True(new OrganizationsOfMember(null, null, Me).IsSatisfiedBy(org));
        Assert.False(new OrganizationsOfMember(ClientId.New(), null, Me).IsSatisfiedBy(org));
    }
}
