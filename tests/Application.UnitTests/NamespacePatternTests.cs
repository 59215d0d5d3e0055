using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.UnitTests;

/// <summary>KUBERNETES_NAMESPACE: one namespace per team, named by the team's id.</summary>
public sealed class NamespacePatternTests
{
    private static readonly TeamId Team = new(Guid.Parse("01a20000-0000-7000-8000-0000000000a1"));

    [Fact]
    public void The_team_id_names_the_namespace_and_is_read_back_from_it()
    {
        var options = new DeploymentOptions("apps.test", "team-%s-apps");

        var ns = options.NamespaceFor(Team);

        Assert.Equal("team-01a20000-0000-7000-8000-0000000000a1-apps", ns);
        Assert.Equal(Team, options.TeamOf(ns));
        Assert.Null(options.TeamOf("sandbox-alice"));                                   // a user's namespace of old
        Assert.Null(options.TeamOf("team-01A20000-0000-7000-8000-0000000000A1-apps"));  // not as the pattern names it
        Assert.Null(options.TeamOf("sandbox-01a20000-0000-7000-8000-0000000000a1"));    // another pattern's
        Assert.Null(options.TeamOf(null));
    }

    [Theory]
    [InlineData("sandbox-%s", true)]
    [InlineData("%s", true)]
    [InlineData("a-pattern-of-27-characters-%s", true)]
    [InlineData("a-pattern-of-28-characters--%s", false)]   // 64 characters with the id
    [InlineData("sandbox", false)]
    [InlineData("%s-%s", false)]
    [InlineData("Sandbox-%s", false)]
    [InlineData("sandbox_%s", false)]
    [InlineData("%s-", false)]
    public void A_pattern_must_name_DNS_1123_labels_of_at_most_63_characters(string pattern, bool valid)
    {
        Assert.Equal(valid, DeploymentOptions.NamespacePatternProblem(pattern) is null);
        if (valid) Assert.True(new DeploymentOptions("apps.test", pattern).NamespaceFor(Team).Length <= 63);
    }
}
