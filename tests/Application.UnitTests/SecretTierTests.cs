using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Secrets;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Secrets;
using NSubstitute;

namespace CleanScheduler.Application.UnitTests;

/// <summary>The merge of the three tiers: organization over deployment over service; the deploy form's secret settings are deployment secrets.</summary>
public sealed class SecretTierTests
{
    private static readonly OrganizationId Org = new(Guid.NewGuid());
    private static readonly DeploymentId Deployment = new(Guid.NewGuid());
    private static readonly UserId Someone = new(Guid.NewGuid());

    private static SecretEntry At(string tier, string key, string? service = "app") => tier switch
    {
        "organization" => SecretEntry.Set(Org, null, null, key, Someone, DateTimeOffset.UnixEpoch),
        "deployment" => SecretEntry.Set(Org, Deployment, null, key, Someone, DateTimeOffset.UnixEpoch),
        _ => SecretEntry.Set(Org, Deployment, service, key, Someone, DateTimeOffset.UnixEpoch),
    };

    private static IReadOnlyList<EffectiveSecret> Merge(IEnumerable<SecretEntry> entries, params string[] settings) =>
        SecretTiers.Merge(Org.Value, Deployment.Value, ["app", "db"], entries.ToList(), settings);

    [Theory]
    [InlineData("service", "service")]
    [InlineData("deployment,service", "deployment")]
    [InlineData("organization,deployment,service", "organization")]
    [InlineData("service,deployment,organization", "organization")]
    public void The_highest_tier_a_key_is_set_at_wins_whatever_the_order_it_was_set_in(string tiers, string winner)
    {
        var effective = Merge(tiers.Split(',').Select(t => At(t, "KEY")));

        var app = Assert.Single(effective, e => e.Service == "app" && e.Key == "KEY");
        Assert.Equal(winner, app.Tier.ToCode());
        Assert.Equal(app.Tier, app.Scope.Tier);   // the value is read from the winning tier's path
    }

    [Fact]
    public void A_deploy_form_setting_is_a_deployment_secret_that_an_API_deployment_secret_replaces_and_an_organization_secret_outranks()
    {
        Assert.True(Assert.Single(Merge([], "PASSWORD"), e => e.Service == "db").FromSetting);
        var replaced = Assert.Single(Merge([At("deployment", "PASSWORD")], "PASSWORD"), e => e.Service == "db");
        Assert.False(replaced.FromSetting);
        Assert.Equal(SecretTier.Organization, Assert.Single(Merge([At("organization", "PASSWORD")], "PASSWORD"), e => e.Service == "db").Tier);
    }

    [Fact]
    public void A_service_secret_reaches_its_service_only()
    {
        var effective = Merge([At("service", "ONLY_DB", "db")]);

        Assert.Equal([("db", "ONLY_DB")], effective.Select(e => (e.Service, e.Key)));
    }
}

public sealed class SecretRemoteKeyTests
{
    [Theory]
    [InlineData("vault", "orgs/{0}")]
    [InlineData("database", "orgs/{0}")]
    [InlineData("aws", "cleanscheduler/orgs/{0}")]
    public void An_ExternalSecret_reads_a_scope_by_the_name_its_backend_gives_it(string backend, string expected)
    {
        var store = NSubstitute.Substitute.For<ISecretValueStore>();
        store.Backend.Returns(backend);
        var org = Guid.NewGuid();

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, org.ToString("N")),
            DeploymentSecrets.RemoteKey(store, SecretScope.ForOrganization(org)));
    }
}
