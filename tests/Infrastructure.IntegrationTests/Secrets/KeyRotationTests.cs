using System.Security.Cryptography;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Infrastructure.Secrets;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests.Secrets;

/// <summary>
/// Rotating SECRETS_ENCRYPTION_KEY: the new key encrypts, the old one (SECRETS_ENCRYPTION_KEY_PREVIOUS) still decrypts,
/// <c>secrets reencrypt</c> moves every stored value (both tables) to the new key, after which the old key can go.
/// The app's services here run with <see cref="TestServices.SecretsKey"/>: that is the old key.
/// </summary>
public sealed class KeyRotationTests(ServicesFixture db) : IClassFixture<ServicesFixture>, IAsyncLifetime
{
    private static readonly byte[] OldKey = TestServices.SecretsKey;
    private readonly byte[] _newKey = RandomNumberGenerator.GetBytes(32);
    private TestServices S => db.Services;
    private NpgsqlDataSource DataSource => S.Services.GetRequiredService<NpgsqlDataSource>();

    public Task InitializeAsync() => db.ResetAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    private DatabaseSecretValueStore StoreWith(params byte[][] keys) => new(DataSource, new AesGcmSecretCipher(keys[0], keys[1..]));

    /// <summary>An organization with a "Web app + PostgreSQL" deployment whose POSTGRES_PASSWORD went through the deploy form (deployment_secret_values).</summary>
    private async Task<(Guid Org, DeploymentDetails Deployment)> DeploymentWithFormSecretAsync(string password)
    {
        await using (var scope = S.Services.CreateAsyncScope())
            await SystemTemplates.SeedAsync(scope.ServiceProvider.GetRequiredService<IAppDbContext>(), scope.ServiceProvider.GetRequiredService<TemplateSpecCache>(), TimeProvider.System, CancellationToken.None);
        await using var read = S.NewContext();
        var template = await read.Templates.Where(t => t.Visibility == TemplateVisibility.System && t.Name == "Web app + PostgreSQL").Select(t => t.Id).SingleAsync();
        var owner = await S.UserAsync($"o-{Guid.NewGuid():N}@rotation.test");
        var org = await S.SendAsync(owner, new CreateOrganizationCommand("Rotation", $"rot-{Guid.NewGuid():N}"[..20]));
        var deployment = await S.SendAsync(owner, new CreateDeploymentCommand(new TeamId(org.DefaultTeamId), "shop", template, null,
            new Dictionary<string, string?> { ["POSTGRES_PASSWORD"] = password }));
        return (org.Id, deployment);
    }

    private async Task<List<(string Table, string KeyId)>> KeyIdsAsync()
    {
        await using var command = DataSource.CreateCommand(
            "SELECT 'secret_values', key_id FROM secret_values UNION ALL SELECT 'deployment_secret_values', key_id FROM deployment_secret_values");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    [Fact]
    public async Task Values_written_under_the_old_key_stay_readable_with_it_as_the_previous_key_and_new_writes_use_the_new_key()
    {
        var scope = SecretScope.ForOrganization(Guid.NewGuid());
        await StoreWith(OldKey).WriteAsync(scope, "OLD", "written-before", CancellationToken.None);
        var rotated = StoreWith(_newKey, OldKey);

        await rotated.WriteAsync(scope, "NEW", "written-after", CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["OLD"] = "written-before", ["NEW"] = "written-after" }, await rotated.ReadAsync(scope, CancellationToken.None));
        Assert.Equal(new[] { AesGcmSecretCipher.IdOf(OldKey), AesGcmSecretCipher.IdOf(_newKey) }.Order(), (await KeyIdsAsync()).Select(r => r.KeyId).Order());
    }

    [Fact]
    public async Task Reencryption_moves_both_tables_to_the_new_key_after_which_the_old_key_can_be_removed()
    {
        var (org, deployment) = await DeploymentWithFormSecretAsync("form-password-7c1e");
        var orgScope = SecretScope.ForOrganization(org);
        var serviceScope = SecretScope.ForService(org, deployment.Id, "db");
        var old = StoreWith(OldKey);
        await old.WriteAsync(orgScope, "SHARED", "org-value-51aa", CancellationToken.None);
        await old.WriteAsync(serviceScope, "PGDATA", "service-value-e09b", CancellationToken.None);
        await StoreWith(_newKey).WriteAsync(orgScope, "ALREADY_NEW", "new-value", CancellationToken.None);

        var mail = new MailMessage("ana@rotation.test", "Invitation", "link-7d0c", "<p>link-7d0c</p>");
        var queued = OutboxMailRow.Queue(mail, null, new AesGcmSecretCipher(OldKey), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        await using (var context = S.NewContext())
        {
            context.MailOutbox.Add(queued);
            await context.SaveChangesAsync();
        }

        var outcome = await new SecretsReencryption(DataSource, new AesGcmSecretCipher(_newKey, OldKey)).RunAsync(CancellationToken.None);

        Assert.Equal(new SecretsReencryption.Outcome(2, 1, 1, AesGcmSecretCipher.IdOf(_newKey)), outcome);
        await using (var context = S.NewContext())
        {
            var row = await context.MailOutbox.AsNoTracking().SingleAsync(r => r.Id == queued.Id);
            Assert.Equal(AesGcmSecretCipher.IdOf(_newKey), row.KeyId);
            Assert.Equal(mail, OutboxMailRow.Read(row.Content!, row.KeyId!, row.Id, new AesGcmSecretCipher(_newKey)));
        }
        Assert.All(await KeyIdsAsync(), row => Assert.Equal(AesGcmSecretCipher.IdOf(_newKey), row.KeyId));
        var newOnly = StoreWith(_newKey);
        Assert.Equal(new Dictionary<string, string> { ["SHARED"] = "org-value-51aa", ["ALREADY_NEW"] = "new-value" }, await newOnly.ReadAsync(orgScope, CancellationToken.None));
        Assert.Equal("service-value-e09b", (await newOnly.ReadAsync(serviceScope, CancellationToken.None))["PGDATA"]);
        await using (var command = DataSource.CreateCommand("SELECT ciphertext, key_id FROM deployment_secret_values WHERE deployment_id = @id"))
        {
            command.Parameters.AddWithValue("id", deployment.Id);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            var context = $"deployment-secret/{org}/{deployment.TeamId}/{deployment.Name}/POSTGRES_PASSWORD";   // DeploymentReads.SecretContext
            Assert.Equal("form-password-7c1e", new AesGcmSecretCipher(_newKey).Decrypt(reader.GetFieldValue<byte[]>(0), reader.GetString(1), context));
        }
        Assert.Equal(new SecretsReencryption.Outcome(0, 0, 0, AesGcmSecretCipher.IdOf(_newKey)),
            await new SecretsReencryption(DataSource, new AesGcmSecretCipher(_newKey)).RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_value_under_a_key_configured_nowhere_is_a_clear_error_naming_the_key_and_the_variables_never_the_value()
    {
        var stranger = RandomNumberGenerator.GetBytes(32);
        var scope = SecretScope.ForOrganization(Guid.NewGuid());
        await StoreWith(stranger).WriteAsync(scope, "LOST", "lost-value-3f2d", CancellationToken.None);

        var read = await Assert.ThrowsAsync<CryptographicException>(() => StoreWith(_newKey, OldKey).ReadAsync(scope, CancellationToken.None));
        var run = await Assert.ThrowsAsync<CryptographicException>(() => new SecretsReencryption(DataSource, new AesGcmSecretCipher(_newKey, OldKey)).RunAsync(CancellationToken.None));

        foreach (var message in new[] { read.Message, run.Message })
        {
            Assert.Contains(AesGcmSecretCipher.IdOf(stranger), message);
            Assert.Contains("SECRETS_ENCRYPTION_KEY_PREVIOUS", message);
            Assert.DoesNotContain("lost-value-3f2d", message);
        }
        Assert.Contains(scope.Path, run.Message);
        Assert.Equal(AesGcmSecretCipher.IdOf(stranger), Assert.Single(await KeyIdsAsync()).KeyId);
    }
}
