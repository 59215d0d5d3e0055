using System.Net;
using System.Text.Json;
using CleanScheduler.Application.Common;
using CleanScheduler.Infrastructure.Secrets;
using CleanScheduler.TestSupport.Secrets;
using CleanScheduler.WebApi.Endpoints;
using CleanScheduler.WebApi.Errors;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>SECRETS_BACKEND=vault against the in-process Vault: the server wires the Vault store, and /readyz follows Vault.</summary>
public sealed class VaultBackendFactory : ApiFactory
{
    public FakeVaultServer Vault { get; private set; } = null!;

    /// <summary>The clock of the readiness cache only (the rest of the server keeps the real one).</summary>
    public FakeTimeProvider ReadinessClock { get; } = new(DateTimeOffset.UtcNow);

    protected override IDictionary<string, string?> Settings => Production(
        ("SECRETS_BACKEND", "vault"), ("VAULT_ADDR", Vault.Address.ToString()), ("VAULT_TOKEN", "s.server-token"), ("VAULT_MOUNT_PATH", "kv"));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Vault = await FakeVaultServer.StartAsync(mount: "kv", token: "s.server-token");
    }

    protected override async Task DisposePeersAsync() => await Vault.DisposeAsync();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(sp => new SecretBackendReadiness(
            sp.GetRequiredService<ISecretValueStore>(), ReadinessClock, sp.GetRequiredService<ILogger<SecretBackendReadiness>>())));
    }
}

public sealed class VaultBackendTests(VaultBackendFactory factory) : IClassFixture<VaultBackendFactory>
{
    [Fact]
    public async Task The_server_keeps_secret_values_in_vault_under_the_configured_mount()
    {
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        var scope = SecretScope.ForOrganization(Guid.NewGuid());

        await store.WriteAsync(scope, "API_KEY", "in-vault", CancellationToken.None);

        Assert.Equal("vault", store.Backend);
        Assert.Equal("in-vault", factory.Vault.Latest(scope.Path)!["API_KEY"]);
    }

    [Fact]
    public async Task Readiness_reports_vault_refusing_the_token_and_recovers_when_it_accepts_it_again()
    {
        using (var ready = await factory.Anonymous().GetAsync("/readyz"))
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        factory.Vault.Tokens.Clear();
        factory.ReadinessClock.Advance(SecretBackendReadiness.Lifetime);
        try
        {
            var problem = await Api.ProblemAsync(factory.Anonymous().GetAsync("/readyz"), HttpStatusCode.ServiceUnavailable, "unavailable.secrets");
            Assert.Contains("vault", problem.GetProperty("detail").GetString());
            Assert.DoesNotContain("s.server-token", problem.ToString());
        }
        finally
        {
            factory.Vault.Tokens["s.server-token"] = true;
        }

        factory.ReadinessClock.Advance(SecretBackendReadiness.Lifetime);
        using var again = await factory.Anonymous().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Quick_readiness_calls_reach_vault_once_per_lifetime_whether_the_check_passed_or_failed()
    {
        async Task<HttpStatusCode[]> ReadyAsync(int calls) => await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
        {
            using var response = await factory.Anonymous().GetAsync("/readyz");
            return response.StatusCode;
        }));
        factory.ReadinessClock.Advance(SecretBackendReadiness.Lifetime);   // whatever an earlier test left cached
        var before = factory.Vault.TokenLookups;

        Assert.All(await ReadyAsync(10), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(before + 1, factory.Vault.TokenLookups);

        factory.Vault.Tokens.Clear();
        try
        {
            Assert.All(await ReadyAsync(3), s => Assert.Equal(HttpStatusCode.OK, s));   // still the cached pass
            factory.ReadinessClock.Advance(SecretBackendReadiness.Lifetime);
            Assert.All(await ReadyAsync(10), s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
            Assert.Equal(before + 2, factory.Vault.TokenLookups);
        }
        finally
        {
            factory.Vault.Tokens["s.server-token"] = true;
        }
        factory.ReadinessClock.Advance(SecretBackendReadiness.Lifetime);
        Assert.All(await ReadyAsync(3), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(before + 3, factory.Vault.TokenLookups);
    }

    [Fact]
    public async Task A_request_that_meets_an_unavailable_secrets_backend_answers_503_with_retry_after_not_500()
    {
        var http = new DefaultHttpContext { RequestServices = factory.Services };
        http.Request.Method = "PUT";
        http.Request.Path = "/api/secrets";
        http.Response.Body = new MemoryStream();

        var handled = await new ProblemDetailsForExceptions(NullLogger<ProblemDetailsForExceptions>.Instance)
            .TryHandleAsync(http, new SecretBackendUnavailableException("Vault answered 503 (Vault is sealed)."), CancellationToken.None);

        http.Response.Body.Position = 0;
        var problem = JsonDocument.Parse(http.Response.Body).RootElement;
        Assert.True(handled);
        Assert.Equal((503, "5", "unavailable.secrets"), (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString(), problem.GetProperty("code").GetString()));
        Assert.DoesNotContain("sealed", problem.ToString());   // the backend's own words stay in the log
    }
}

/// <summary>SECRETS_BACKEND=database (the default): the database store with the configured keyring.</summary>
public sealed class DatabaseBackendTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_default_backend_encrypts_values_into_the_database()
    {
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        var scope = SecretScope.ForOrganization(Guid.NewGuid());

        await store.WriteAsync(scope, "API_KEY", "in-postgres", CancellationToken.None);

        Assert.IsType<DatabaseSecretValueStore>(store);
        Assert.Equal("in-postgres", (await store.ReadAsync(scope, CancellationToken.None))["API_KEY"]);
        using var ready = await factory.Anonymous().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}

/// <summary><c>dotnet CleanScheduler.WebApi.dll secrets reencrypt</c>, run as an operator runs it.</summary>
public sealed class SecretsReencryptCommandTests : IAsyncLifetime
{
    private readonly TestSupport.DatabaseFixture _database = new();
    private readonly byte[] _old = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _new = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public Task InitializeAsync() => _database.InitializeAsync();
    public Task DisposeAsync() => _database.DisposeAsync();

    private async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(params byte[][] previous)
    {
        using var process = ServerProcessTests.Start(new Dictionary<string, string>
        {
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = "localhost:8081",
            ["DATABASE_DSN"] = _database.ConnectionString,
            ["SECRETS_ENCRYPTION_KEY"] = Convert.ToBase64String(_new),
            ["SECRETS_ENCRYPTION_KEY_PREVIOUS"] = string.Join(",", previous.Select(Convert.ToBase64String)),
        }, "WebApi", "secrets", "reencrypt");
        var (stdout, stderr) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_command_re_encrypts_under_the_new_key_says_so_in_one_line_and_a_second_run_finds_nothing()
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(_database.ConnectionString);
        var scope = SecretScope.ForOrganization(Guid.NewGuid());
        await new DatabaseSecretValueStore(dataSource, new AesGcmSecretCipher(_old)).WriteAsync(scope, "TOKEN", "planted-cli-value-0b7e", CancellationToken.None);

        var first = await RunAsync(_old);
        var second = await RunAsync();

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains($"1 secret value(s), 0 deployment secret setting(s) and 0 queued mail(s) re-encrypted; every stored value is now under key {AesGcmSecretCipher.IdOf(_new)}", first.StdOut);
        Assert.DoesNotContain("planted-cli-value-0b7e", first.StdOut + first.StdErr);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("0 secret value(s), 0 deployment secret setting(s) and 0 queued mail(s) re-encrypted", second.StdOut);
        Assert.Equal("planted-cli-value-0b7e", (await new DatabaseSecretValueStore(dataSource, new AesGcmSecretCipher(_new)).ReadAsync(scope, CancellationToken.None))["TOKEN"]);
    }

    [Fact]
    public async Task Without_the_old_key_the_command_stops_with_one_line_naming_the_key()
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(_database.ConnectionString);
        await new DatabaseSecretValueStore(dataSource, new AesGcmSecretCipher(_old)).WriteAsync(SecretScope.ForOrganization(Guid.NewGuid()), "TOKEN", "x", CancellationToken.None);

        var (code, _, stderr) = await RunAsync();

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("secrets reencrypt:", StringComparison.Ordinal));
        Assert.Contains(AesGcmSecretCipher.IdOf(_old), line);
        Assert.DoesNotContain("   at ", stderr);
    }
}

/// <summary>
/// SECRETS_BACKEND=aws against the in-process Secrets Manager at AWS_ENDPOINT_URL, credentials found by the SDK's default
/// chain in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (process environment: only this class sets them).
/// </summary>
public sealed class AwsBackendFactory : ApiFactory
{
    public FakeSecretsManagerServer Aws { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings => Production(
        ("SECRETS_BACKEND", "aws"), ("AWS_REGION", "eu-central-1"), ("AWS_ENDPOINT_URL", Aws.Address.ToString()));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Aws = await FakeSecretsManagerServer.StartAsync("eu-central-1");
        Aws.Credentials["AKIDFROMENVIRONMENT"] = ("secret-from-environment", null);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret-from-environment");
    }

    protected override async Task DisposePeersAsync()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        await Aws.DisposeAsync();
    }
}

public sealed class AwsBackendTests(AwsBackendFactory factory) : IClassFixture<AwsBackendFactory>
{
    [Fact]
    public async Task The_server_signs_with_credentials_from_the_default_chain_and_keeps_values_in_secrets_manager()
    {
        var store = factory.Services.GetRequiredService<ISecretValueStore>();
        var scope = SecretScope.ForDeployment(Guid.NewGuid(), Guid.NewGuid());

        await store.WriteAsync(scope, "API_KEY", "in-aws", CancellationToken.None);

        Assert.Equal("aws", store.Backend);
        Assert.Equal("""{"API_KEY":"in-aws"}""", factory.Aws.SecretString($"cleanscheduler/{scope.Path}"));
        using var ready = await factory.Anonymous().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
