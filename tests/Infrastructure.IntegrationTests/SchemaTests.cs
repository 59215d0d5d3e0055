using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Users;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>The EF mapping and the SQL migrations describe the same schema, and the constraints hold on their own. Each test starts from the migrated database.</summary>
public sealed class SchemaTests(ServicesFixture db) : IClassFixture<ServicesFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => db.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_mapped_column_exists_in_the_migrated_schema()
    {
        await using var context = db.Services.NewContext();
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        var columns = new HashSet<string>();
        await using (var command = new NpgsqlCommand("SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add(reader.GetString(0));

        var mapped = context.Model.GetEntityTypes()
            .SelectMany(e => e.GetProperties().Select(p => $"{e.GetTableName()}.{p.GetColumnName()}"))
            .Where(c => !c.EndsWith(".xmin", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.All(mapped, column => Assert.Contains(column, columns));
    }

    [Fact]
    public async Task An_organization_round_trips_with_members_and_typed_values()
    {
        var owner = await db.Services.UserAsync("owner@schema.test");
        Organization org;
        Domain.Teams.Team team;
        await using (var write = db.Services.NewContext())
        {
            var plan = await write.Plans.SingleAsync(p => p.Code == "business");
            var (created, createdTeam, createdSubscription) = Organization.Found("Round Trip", Slug.From("round-trip"), owner.Id, plan, Now);
            (org, team) = (created, createdTeam);
            write.Organizations.Add(org);
            write.Teams.Add(team);
            write.Subscriptions.Add(createdSubscription);
            await write.SaveChangesAsync();
        }

        await using var read = db.Services.NewContext();
        var loaded = await read.Organizations.SingleAsync(o => o.Id == org.Id);
        var loadedTeam = await read.Teams.SingleAsync(t => t.Id == team.Id);

        Assert.Equal((org.Name, org.Slug, OrgRole.Owner, 1), (loaded.Name, loaded.Slug, loaded.RoleOf(owner.Id)!.Value, loaded.OwnerCount));
        Assert.Equal(Now, loaded.CreatedAt);
        Assert.NotEqual(0u, loaded.Version);
        Assert.Equal(TeamRole.Admin, loadedTeam.RoleOf(owner.Id));
        Assert.True(loadedTeam.IsDefault);
        var subscription = await read.Subscriptions.SingleAsync(s => s.OrganizationId == org.Id);
        Assert.Equal((Domain.Tenancy.Tier.Business, Domain.Tenancy.TierLimits.Business, "Business"), (subscription.Tier, subscription.Limits, subscription.PlanName));
    }

    [Theory]
    [InlineData("UPDATE organizations SET owner_count = 0", "ck_organizations_owner_count")]
    [InlineData("UPDATE organization_members SET role = 'superuser'", "ck_organization_members_role")]
    [InlineData("UPDATE team_members SET role = 'owner'", "ck_team_members_role")]
    [InlineData("UPDATE subscriptions SET tier = 'gold'", "ck_subscriptions_tier")]
    [InlineData("UPDATE subscriptions SET active_deployments = -1", "ck_subscriptions_active_deployments")]
    [InlineData("INSERT INTO users (id, email, handle, display_name, created_at) VALUES (gen_random_uuid(), 'UPPER@CASE.TEST', 'upper', 'x', now())", "ck_users_email_normalized")]
    [InlineData("UPDATE users SET handle = 'Not-Valid'", "ck_users_handle")]
    public async Task The_database_refuses_what_the_domain_refuses(string sql, string constraint)
    {
        var owner = await db.Services.UserAsync("c@schema.test");
        await db.Services.SendAsync(owner, new Application.Features.Organizations.CreateOrganizationCommand("C", "c-org"));
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(constraint, error.ConstraintName);
    }

    [Fact]
    public async Task Team_names_are_unique_per_organization_ignoring_case()
    {
        var owner = await db.Services.UserAsync("t@schema.test");
        await using var context = db.Services.NewContext();
        var (org, team, subscription) = Organization.Found("Teams", Slug.From("teams"), owner.Id,
            await context.Plans.SingleAsync(p => p.Code == "free"), Now);
        var duplicate = org.AddTeam("DEFAULT", Now);
        context.Organizations.Add(org);
        context.Subscriptions.Add(subscription);
        context.Teams.AddRange(team, duplicate);

        var error = await Assert.ThrowsAsync<Application.Common.ConstraintViolationException>(() => context.SaveChangesAsync());

        Assert.Equal("ux_teams_organization_name", error.Constraint);
        Assert.Equal("team.name_taken", Application.Common.Constraints.Describe(error).Code);
    }
}
