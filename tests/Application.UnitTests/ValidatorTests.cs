using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Domain.Common;
using FluentValidation.TestHelper;

namespace CleanScheduler.Application.UnitTests;

public sealed class ValidatorTests
{
    private static readonly OrganizationId Org = OrganizationId.New();
    private static readonly TeamId Team = TeamId.New();

    [Theory]
    [InlineData("Acme", "acme")]
    [InlineData("Acme Corp", null)]
    [InlineData("  Padded  ", "padded")]
    public void Organizations_with_a_name_and_a_valid_or_derivable_slug_pass(string name, string? slug) =>
        new CreateOrganizationValidator().TestValidate(new CreateOrganizationCommand(name, slug)).ShouldNotHaveAnyValidationErrors();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    public void Organization_names_are_required_and_printable(string? name) =>
        new CreateOrganizationValidator().TestValidate(new CreateOrganizationCommand(name, "acme")).ShouldHaveValidationErrorFor(c => c.Name);

    [Fact]
    public void Organization_names_longer_than_100_characters_are_refused() =>
        new CreateOrganizationValidator().TestValidate(new CreateOrganizationCommand(new string('n', 101), "acme"))
            .ShouldHaveValidationErrorFor(c => c.Name);

    [Theory]
    [InlineData("Acme")]
    [InlineData("a")]
    [InlineData("-acme")]
    [InlineData("acme corp")]
    [InlineData("")]
    public void Bad_slugs_are_refused(string slug) =>
        new CreateOrganizationValidator().TestValidate(new CreateOrganizationCommand("Acme", slug)).ShouldHaveValidationErrorFor(c => c.Slug);

    [Fact]
    public void A_name_without_a_derivable_slug_needs_an_explicit_one() =>
        new CreateOrganizationValidator().TestValidate(new CreateOrganizationCommand("!!!", null)).ShouldHaveValidationErrorFor(c => c.Slug);

    [Theory]
    [InlineData("free")]
    [InlineData("business-plus")]
    [InlineData("01a20000-0000-7000-8000-000000000002")]
    public void A_plan_is_named_by_code_or_id(string plan) =>
        new SetOrganizationPlanValidator().TestValidate(new SetOrganizationPlanCommand(Org, plan)).ShouldNotHaveAnyValidationErrors();

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void A_plan_must_be_named(string? plan) =>
        new SetOrganizationPlanValidator().TestValidate(new SetOrganizationPlanCommand(Org, plan)).ShouldHaveValidationErrorFor(c => c.Plan);

    [Fact]
    public void A_plan_name_is_not_a_novel() =>
        new SetOrganizationPlanValidator().TestValidate(new SetOrganizationPlanCommand(Org, new string('p', 101))).ShouldHaveValidationErrorFor(c => c.Plan);

    [Theory]
    [InlineData("bob@example.com", "team_admin", true)]
    [InlineData("bob@example.com", "viewer", true)]
    [InlineData("bob@example.com", "org_owner", false)]
    [InlineData("bob@example.com", "admin", false)]
    [InlineData("bob@example.com", null, false)]
    [InlineData("not-an-email", "developer", false)]
    [InlineData(null, "developer", false)]
    public void Team_members_need_an_email_and_a_team_role(string? email, string? role, bool valid)
    {
        var result = new AddTeamMemberValidator().TestValidate(new AddTeamMemberCommand(Team, email, role));

        Assert.Equal(valid, result.IsValid);
    }

    [Theory]
    [InlineData("org_owner", true)]
    [InlineData("org_member", true)]
    [InlineData("developer", false)]
    [InlineData("", false)]
    public void Organization_members_need_an_organization_role(string role, bool valid)
    {
        Assert.Equal(valid, new AddOrganizationMemberValidator().TestValidate(new AddOrganizationMemberCommand(Org, "a@b.c", role)).IsValid);
        Assert.Equal(valid, new ChangeOrganizationMemberRoleValidator()
            .TestValidate(new ChangeOrganizationMemberRoleCommand(Org, UserId.New(), role)).IsValid);
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(1, 100, true)]
    [InlineData(0, 50, false)]
    [InlineData(1, 0, false)]
    [InlineData(1, 101, false)]
    [InlineData(-5, 10, false)]
    public void Pages_start_at_one_and_hold_at_most_a_hundred_items(int page, int size, bool valid) =>
        Assert.Equal(valid, new ListTeamsValidator().TestValidate(new ListTeamsQuery(Org, page, size)).IsValid);

    [Fact]
    public void Team_names_follow_the_display_name_rule()
    {
        new CreateTeamValidator().TestValidate(new CreateTeamCommand(Org, "Platform")).ShouldNotHaveAnyValidationErrors();
        new CreateTeamValidator().TestValidate(new CreateTeamCommand(Org, "")).ShouldHaveValidationErrorFor(c => c.Name);
        new RenameTeamValidator().TestValidate(new RenameTeamCommand(Team, new string('t', 101))).ShouldHaveValidationErrorFor(c => c.Name);
    }
}
