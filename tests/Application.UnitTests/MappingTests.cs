using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using Mapster;

namespace CleanScheduler.Application.UnitTests;

/// <summary>The Mapster configuration, through the projection the list queries use (<c>ProjectToType</c>).</summary>
public sealed class MappingTests
{
    private static readonly TypeAdapterConfig Config = Mapping.Create();
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private const string Spec = "services:\n  - name: web\n    image: nginx\n";

    private static TemplateSummary Project(Template template) => new[] { template }.AsQueryable().ProjectToType<TemplateSummary>(Config).Single();

    [Fact]
    public void A_team_template_projects_its_typed_ids_as_guids_and_its_visibility_as_a_code()
    {
        var (org, team, author) = (OrganizationId.New(), TeamId.New(), UserId.New());
        var template = Template.CreateFor(org, team, TemplateVisibility.Team, "Web", "A site", Spec, author, Now);

        var summary = Project(template);

        Assert.Equal(new TemplateSummary(template.Id.Value, "Web", "A site", "team", org.Value, team.Value, author.Value, 1, Now, Now), summary);
    }

    [Fact]
    public void A_system_template_projects_its_missing_owner_as_null()
    {
        var template = Template.PublishSystem("Static", "", Spec, null, Now);

        var summary = Project(template);

        Assert.Equal((template.Id.Value, "system", (Guid?)null, (Guid?)null, (Guid?)null),
            (summary.Id, summary.Visibility, summary.OrganizationId, summary.TeamId, summary.CreatedBy));
    }

    [Theory]
    [InlineData(TeamRole.Admin, "team_admin")]
    [InlineData(TeamRole.Viewer, "viewer")]
    public void A_membership_row_projects_its_role_as_the_api_code(TeamRole role, string code)
    {
        var user = UserId.New();
        var row = new[] { new { UserId = user, Email = "a@b.c", DisplayName = "A", Role = role, Since = Now } }.AsQueryable();

        var member = row.ProjectToType<MemberDto>(Config).Single();

        Assert.Equal(new MemberDto(user.Value, "a@b.c", "A", code, Now), member);
    }
}
