using System.Security.Cryptography;
using Amazon.Runtime;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Infrastructure.Secrets;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Secrets;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests.Secrets;

/// <summary>What every <see cref="ISecretValueStore"/> backend must do; each backend runs the same tests against its real peer or a faithful one.</summary>
public abstract class SecretValueStoreContract : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected ISecretValueStore Store { get; private set; } = null!;

    /// <summary>The largest single value the backend holds in a scope of its own.</summary>
    protected virtual int MaxValueBytes => 64 * 1024;

    protected abstract Task<ISecretValueStore> StartAsync();

    public async Task InitializeAsync() => Store = await StartAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static SecretScope NewOrganization() => SecretScope.ForOrganization(Guid.NewGuid());

    [Fact]
    public async Task An_empty_scope_reads_as_no_keys()
    {
        Assert.Empty(await Store.ReadAsync(NewOrganization(), None));
    }

    [Fact]
    public async Task A_written_value_reads_back()
    {
        var scope = NewOrganization();

        await Store.WriteAsync(scope, "DATABASE_URL", "postgres://u:p@db/app", None);

        Assert.Equal(new Dictionary<string, string> { ["DATABASE_URL"] = "postgres://u:p@db/app" }, await Store.ReadAsync(scope, None));
    }

    [Fact]
    public async Task Writing_a_key_again_replaces_its_value_and_keeps_the_others()
    {
        var scope = NewOrganization();
        await Store.WriteAsync(scope, "A", "1", None);
        await Store.WriteAsync(scope, "B", "2", None);

        await Store.WriteAsync(scope, "A", "3", None);

        Assert.Equal(new Dictionary<string, string> { ["A"] = "3", ["B"] = "2" }, await Store.ReadAsync(scope, None));
    }

    [Fact]
    public async Task Deleting_a_key_removes_only_that_key_and_a_missing_one_is_no_error()
    {
        var scope = NewOrganization();
        await Store.WriteAsync(scope, "A", "1", None);
        await Store.WriteAsync(scope, "B", "2", None);

        await Store.DeleteAsync(scope, "A", None);
        await Store.DeleteAsync(scope, "NEVER_SET", None);
        await Store.DeleteAsync(NewOrganization(), "A", None);

        Assert.Equal(new Dictionary<string, string> { ["B"] = "2" }, await Store.ReadAsync(scope, None));
    }

    [Fact]
    public async Task Deleting_a_scope_removes_its_keys_and_no_other_scopes_and_it_can_be_written_again()
    {
        var org = NewOrganization();
        var deployment = SecretScope.ForDeployment(org.OrganizationId, Guid.NewGuid());
        await Store.WriteAsync(org, "A", "org", None);
        await Store.WriteAsync(org, "B", "org", None);
        await Store.WriteAsync(deployment, "A", "deployment", None);

        await Store.DeleteScopeAsync(org, None);
        await Store.DeleteScopeAsync(NewOrganization(), None);

        Assert.Empty(await Store.ReadAsync(org, None));
        Assert.Equal("deployment", (await Store.ReadAsync(deployment, None))["A"]);
        await Store.WriteAsync(org, "C", "again", None);
        Assert.Equal(new Dictionary<string, string> { ["C"] = "again" }, await Store.ReadAsync(org, None));
    }

    [Fact]
    public async Task The_same_key_in_every_tier_and_in_another_organization_is_kept_apart()
    {
        var org = NewOrganization();
        var deploymentId = Guid.NewGuid();
        var scopes = new[]
        {
            org,
            SecretScope.ForDeployment(org.OrganizationId, deploymentId),
            SecretScope.ForService(org.OrganizationId, deploymentId, "web"),
            SecretScope.ForService(org.OrganizationId, deploymentId, "worker"),
            SecretScope.ForService(org.OrganizationId, Guid.NewGuid(), "web"),
            NewOrganization(),
        };

        foreach (var (scope, i) in scopes.Select((s, i) => (s, i)))
            await Store.WriteAsync(scope, "TOKEN", $"value-{i}", None);

        foreach (var (scope, i) in scopes.Select((s, i) => (s, i)))
            Assert.Equal(new Dictionary<string, string> { ["TOKEN"] = $"value-{i}" }, await Store.ReadAsync(scope, None));
    }

    [Theory]
    [InlineData("line one\nline two\r\nline three\n")]
    [InlineData("ünïcødé ✓ 秘密 🔑")]
    [InlineData("\"quotes\" \\backslash\\ {\"json\": [1, 2]} <html>&amp; ${NOT_EXPANDED} $(echo no) '; DROP TABLE secret_values; --")]
    [InlineData("")]
    [InlineData("  leading and trailing spaces  ")]
    public async Task Hostile_values_round_trip_unchanged(string value)
    {
        var scope = NewOrganization();

        await Store.WriteAsync(scope, "VALUE", value, None);

        Assert.Equal(value, (await Store.ReadAsync(scope, None))["VALUE"]);
    }

    [Fact]
    public async Task Hostile_keys_are_kept_apart_and_round_trip_unchanged()
    {
        var scope = NewOrganization();
        string[] keys = ["_", "key.with.dots", "a/b/../c", "with space", "\"quoted\"", "ключ_秘密", "line\nbreak", "x' OR '1'='1", new string('K', 256)];

        foreach (var key in keys) await Store.WriteAsync(scope, key, $"value of {key}", None);

        var values = await Store.ReadAsync(scope, None);
        Assert.Equal(keys.Order(StringComparer.Ordinal), values.Keys.Order(StringComparer.Ordinal));
        Assert.All(keys, key => Assert.Equal($"value of {key}", values[key]));
    }

    [Fact]
    public async Task The_largest_value_round_trips_unchanged()
    {
        var scope = NewOrganization();
        var chars = "abcdefghijklmnopqrstuvwxyz0123456789\n\"\\é".ToCharArray();
        var large = new string(Enumerable.Range(0, MaxValueBytes).Select(i => chars[i % chars.Length]).ToArray());
        while (System.Text.Encoding.UTF8.GetByteCount(large) > MaxValueBytes) large = large[..^1];

        await Store.WriteAsync(scope, "LARGE", large, None);

        Assert.Equal(large, (await Store.ReadAsync(scope, None))["LARGE"]);
    }

    [Fact]
    public async Task The_check_passes_when_the_backend_answers()
    {
        await Store.CheckAsync(None);
    }
}

public sealed class DatabaseSecretValueStoreTests : SecretValueStoreContract
{
    private readonly DatabaseFixture _database = new();
    private NpgsqlDataSource _dataSource = null!;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    protected override async Task<ISecretValueStore> StartAsync()
    {
        await _database.InitializeAsync();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        return new DatabaseSecretValueStore(_dataSource, new AesGcmSecretCipher(_key));
    }

    public override async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Values_are_stored_encrypted_and_bound_to_their_scope_and_key()
    {
        var scope = NewOrganization();
        var other = NewOrganization();
        await Store.WriteAsync(scope, "PLANTED", "planted-value-8d41", CancellationToken.None);
        await Store.WriteAsync(other, "PLANTED", "other", CancellationToken.None);

        await using (var dump = _dataSource.CreateCommand("SELECT string_agg(encode(ciphertext, 'escape') || key_id || path || key, '|') FROM secret_values"))
            Assert.DoesNotContain("planted-value-8d41", (string)(await dump.ExecuteScalarAsync())!);
        await using (var move = _dataSource.CreateCommand("UPDATE secret_values SET ciphertext = (SELECT ciphertext FROM secret_values WHERE path = @from) WHERE path = @to"))
        {
            move.Parameters.AddWithValue("from", scope.Path);
            move.Parameters.AddWithValue("to", other.Path);
            await move.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAnyAsync<CryptographicException>(() => Store.ReadAsync(other, CancellationToken.None));
    }
}

public sealed class VaultKv2SecretValueStoreTests : SecretValueStoreContract
{
    private FakeVaultServer _vault = null!;

    protected override async Task<ISecretValueStore> StartAsync()
    {
        _vault = await FakeVaultServer.StartAsync(mount: "kv/apps", token: "s.good-token");
        return new VaultKv2SecretValueStore(new VaultSettings(_vault.Address, "/kv/apps/", "s.good-token", null));
    }

    public override async Task DisposeAsync() => await _vault.DisposeAsync();

    [Fact]
    public async Task A_scope_is_one_kv2_secret_at_the_mount_data_path_holding_its_keys()
    {
        var scope = SecretScope.ForService(Guid.NewGuid(), Guid.NewGuid(), "web");

        await Store.WriteAsync(scope, "A", "1", CancellationToken.None);
        await Store.WriteAsync(scope, "B", "2", CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }, _vault.Latest(scope.Path));
        Assert.Equal(2, _vault.VersionOf(scope.Path));
    }

    [Fact]
    public async Task Replaced_and_deleted_values_are_not_kept_as_old_versions()
    {
        var scope = SecretScope.ForDeployment(Guid.NewGuid(), Guid.NewGuid());

        await Store.WriteAsync(scope, "API_KEY", "first", CancellationToken.None);
        await Store.WriteAsync(scope, "API_KEY", "second", CancellationToken.None);
        await Store.WriteAsync(scope, "OTHER", "kept", CancellationToken.None);
        await Store.DeleteAsync(scope, "API_KEY", CancellationToken.None);

        Assert.Equal(1, _vault.MaxVersionsOf(scope.Path));
        Assert.Equal(4, _vault.VersionOf(scope.Path));
        var held = Assert.Single(_vault.HeldVersions(scope.Path));
        Assert.Equal(new Dictionary<string, string> { ["OTHER"] = "kept" }, held);
    }

    [Fact]
    public async Task A_path_written_before_with_the_mounts_versions_keeps_only_the_new_one_after_a_change()
    {
        var scope = NewOrganization();
        for (var i = 1; i <= 3; i++) _vault.Put(scope.Path, new Dictionary<string, string> { ["API_KEY"] = $"old-{i}" });   // max_versions unset: the mount's 10

        await Store.WriteAsync(scope, "API_KEY", "new", CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["API_KEY"] = "new" }, Assert.Single(_vault.HeldVersions(scope.Path)));
    }

    [Fact]
    public async Task A_write_that_loses_a_check_and_set_race_reads_again_and_keeps_the_other_writers_key()
    {
        var scope = NewOrganization();
        await Store.WriteAsync(scope, "MINE", "1", CancellationToken.None);
        _vault.BeforeNextWrite = path => _vault.Put(path, new Dictionary<string, string> { ["MINE"] = "1", ["THEIRS"] = "concurrent" });

        await Store.WriteAsync(scope, "MINE", "2", CancellationToken.None);

        Assert.Equal(1, _vault.CasMismatches);
        Assert.Equal(new Dictionary<string, string> { ["MINE"] = "2", ["THEIRS"] = "concurrent" }, await Store.ReadAsync(scope, CancellationToken.None));
    }

    [Fact]
    public async Task A_scope_whose_latest_version_was_deleted_reads_empty_and_can_be_written()
    {
        var scope = NewOrganization();
        await Store.WriteAsync(scope, "A", "1", CancellationToken.None);
        using (var http = new HttpClient { BaseAddress = _vault.Address })
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"v1/kv/apps/data/{scope.Path}") { Headers = { { "X-Vault-Token", "s.good-token" } } })
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await http.SendAsync(delete)).StatusCode);

        Assert.Empty(await Store.ReadAsync(scope, CancellationToken.None));
        await Store.WriteAsync(scope, "B", "2", CancellationToken.None);
        Assert.Equal(new Dictionary<string, string> { ["B"] = "2" }, await Store.ReadAsync(scope, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_token_makes_the_backend_unavailable_without_naming_the_token()
    {
        var store = new VaultKv2SecretValueStore(new VaultSettings(_vault.Address, "kv/apps", "s.revoked", null));

        var read = await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.ReadAsync(NewOrganization(), CancellationToken.None));
        var check = await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.CheckAsync(CancellationToken.None));

        Assert.Contains("403", read.Message);
        Assert.DoesNotContain("s.revoked", read.Message + check.Message);
    }

    [Fact]
    public async Task The_token_file_is_read_again_when_it_changes()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "s.good-token\n");
            var store = new VaultKv2SecretValueStore(new VaultSettings(_vault.Address, "kv/apps", null, file));
            await store.CheckAsync(CancellationToken.None);

            _vault.Tokens.Clear();
            _vault.Tokens["s.renewed-token"] = true;
            await File.WriteAllTextAsync(file, "s.renewed-token");

            await store.WriteAsync(NewOrganization(), "A", "1", CancellationToken.None);
            await store.CheckAsync(CancellationToken.None);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_sealed_a_slow_or_an_unreachable_vault_makes_the_backend_unavailable()
    {
        _vault.Sealed = true;
        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => Store.ReadAsync(NewOrganization(), CancellationToken.None));
        _vault.Sealed = false;

        _vault.Delay = TimeSpan.FromSeconds(5);
        var slow = new VaultKv2SecretValueStore(new VaultSettings(_vault.Address, "kv/apps", "s.good-token", null) { Timeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => slow.CheckAsync(CancellationToken.None));
        _vault.Delay = TimeSpan.Zero;

        var nowhere = new VaultKv2SecretValueStore(new VaultSettings(new Uri($"http://127.0.0.1:{Loopback.FreePort()}"), "kv/apps", "s.good-token", null));
        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => nowhere.CheckAsync(CancellationToken.None));
    }
}

public sealed class AwsSecretsManagerValueStoreTests : SecretValueStoreContract
{
    private FakeSecretsManagerServer _aws = null!;

    /// <summary>Secrets Manager holds at most 64 KiB per secret: the scope's JSON object, quotes and escapes (\n, \", \\) included.</summary>
    protected override int MaxValueBytes => 56 * 1024;

    protected override async Task<ISecretValueStore> StartAsync()
    {
        _aws = await FakeSecretsManagerServer.StartAsync("eu-west-1");
        _aws.Credentials["AKIDEXAMPLE"] = ("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
        _aws.Credentials["ASIATEMPORARY"] = ("temporary-secret", "session-token/with+odd=chars");
        return StoreFor("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    private AwsSecretsManagerValueStore StoreFor(string accessKey, string secretKey, string? token = null, string region = "eu-west-1") =>
        new(new AwsSecretsManagerSettings(region, _aws.Address),
            token is null ? new BasicAWSCredentials(accessKey, secretKey) : new SessionAWSCredentials(accessKey, secretKey, token));

    public override async Task DisposeAsync() => await _aws.DisposeAsync();

    [Fact]
    public async Task A_scope_is_one_secret_named_after_its_path_holding_a_json_object_of_its_keys()
    {
        var scope = SecretScope.ForDeployment(Guid.NewGuid(), Guid.NewGuid());

        await Store.WriteAsync(scope, "A", "1", CancellationToken.None);
        await Store.WriteAsync(scope, "B", "ü", CancellationToken.None);

        Assert.Equal("""{"A":"1","B":"ü"}""", _aws.SecretString("cleanscheduler/" + scope.Path));
    }

    [Fact]
    public async Task Temporary_credentials_send_their_session_token()
    {
        var store = StoreFor("ASIATEMPORARY", "temporary-secret", "session-token/with+odd=chars");
        var scope = NewOrganization();

        await store.WriteAsync(scope, "A", "1", CancellationToken.None);

        Assert.Equal("1", (await store.ReadAsync(scope, CancellationToken.None))["A"]);
    }

    [Theory]
    [InlineData("AKIDEXAMPLE", "not-the-secret-key", "eu-west-1")]   // InvalidSignatureException
    [InlineData("AKIDUNKNOWN", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-1")]   // UnrecognizedClientException
    [InlineData("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1")]   // scoped to the wrong region
    public async Task A_bad_signature_or_identity_makes_the_backend_unavailable_without_naming_the_key(string accessKey, string secretKey, string region)
    {
        var store = StoreFor(accessKey, secretKey, region: region);

        var error = await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.WriteAsync(NewOrganization(), "A", "1", CancellationToken.None));
        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.CheckAsync(CancellationToken.None));

        Assert.DoesNotContain(secretKey, error.Message);
    }

    [Fact]
    public async Task A_session_token_that_does_not_match_is_refused()
    {
        var store = StoreFor("ASIATEMPORARY", "temporary-secret", "another-token");

        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task More_than_64_KiB_in_one_scope_is_refused_with_a_clear_rule_and_nothing_is_written()
    {
        var scope = NewOrganization();
        await Store.WriteAsync(scope, "A", new string('a', 40_000), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => Store.WriteAsync(scope, "B", new string('b', 40_000), CancellationToken.None));

        Assert.Equal("secret.backend_limit", error.Code);
        Assert.Equal(["A"], (await Store.ReadAsync(scope, CancellationToken.None)).Keys);
    }

    [Fact]
    public async Task An_unreachable_endpoint_makes_the_backend_unavailable()
    {
        var store = new AwsSecretsManagerValueStore(new AwsSecretsManagerSettings("eu-west-1", new Uri($"http://127.0.0.1:{Loopback.FreePort()}/")),
            new BasicAWSCredentials("AKIDEXAMPLE", "x"));

        await Assert.ThrowsAsync<SecretBackendUnavailableException>(() => store.CheckAsync(CancellationToken.None));
    }
}
