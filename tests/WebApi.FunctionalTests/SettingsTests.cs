using System.Security.Cryptography;
using CleanScheduler.Infrastructure;
using CleanScheduler.WebApi.Configuration;
using Microsoft.Extensions.Configuration;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class SettingsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["DATABASE_DSN"] = "postgres://user:pw@db:5432/scheduler?sslmode=disable",
        ["DEV_MODE"] = "true",
        ["SERVER_ADDR"] = "localhost:8081",
    };

    /// <summary>The changes that make <see cref="Valid"/> a production configuration (no DEV_MODE).</summary>
    private static readonly (string, string?)[] Production =
    [
        ("DEV_MODE", "false"), ("SERVER_ADDR", null), ("GOOGLE_CLIENT_ID", "x"), ("GOOGLE_CLIENT_SECRET", "y"),
        ("GOOGLE_REDIRECT_URL", "https://app.example.com/oauth2/callback"), ("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(new byte[32])),
    ];

    private static (ServerSettings? Settings, IReadOnlyList<string> Errors) Load(params (string Key, string? Value)[] changes)
    {
        var values = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in changes) values[key] = value;
        return ServerSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    private static string OnlyError(params (string Key, string? Value)[] changes)
    {
        var (settings, errors) = Load(changes);
        Assert.Null(settings);
        return Assert.Single(errors);
    }

    [Fact]
    public void A_cluster_secret_store_needs_a_backend_the_External_Secrets_Operator_can_read() =>
        Assert.StartsWith("CLUSTER_SECRET_STORE needs SECRETS_BACKEND=vault or aws", OnlyError(("CLUSTER_SECRET_STORE", "platform-secrets")));

    [Fact]
    public void The_seeds_defaults_apply()
    {
        var (settings, errors) = Load(Production);

        Assert.Empty(errors);
        Assert.Equal(("http://+:8081", "http://localhost:8081/", "sandbox-%s", "session_id"),
            (settings!.ServerAddr.ToUrl(), settings.BaseUrl.ToString(), settings.KubernetesNamespace, settings.SessionCookieName));
        Assert.Equal((TimeSpan.FromHours(24), TimeSpan.FromHours(2), TimeSpan.FromHours(1), TimeSpan.FromSeconds(30)),
            (settings.SessionDuration, settings.SessionIdleTimeout, settings.SessionCleanupInterval, settings.KubernetesReconcileInterval));
        Assert.Equal((SessionBackend.Memory, "database", "secret", false), (settings.SessionBackend, settings.SecretsBackend, settings.VaultMountPath, settings.CookieSecure));
        Assert.Contains("Host=db", settings.ConnectionString);
    }

    [Theory]
    [InlineData(":8081", "http://+:8081")]
    [InlineData("127.0.0.1:9000", "http://127.0.0.1:9000")]
    [InlineData("localhost:8081", "http://localhost:8081")]
    [InlineData("[::1]:8081", "http://[::1]:8081")]
    [InlineData("0.0.0.0:80", "http://0.0.0.0:80")]
    public void Server_addresses_in_both_forms(string addr, string url) =>
        Assert.Equal(url, Load([.. Production, ("SERVER_ADDR", addr)]).Settings!.ServerAddr.ToUrl());

    [Fact]
    public void Dev_mode_does_not_take_the_default_listen_address_which_is_every_interface() =>
        Assert.StartsWith("SERVER_ADDR must be a loopback address", OnlyError(("SERVER_ADDR", null)), StringComparison.Ordinal);

    [Theory]
    [InlineData(":8081")]
    [InlineData("0.0.0.0:8081")]
    [InlineData("[::]:8081")]
    [InlineData("192.168.1.20:8081")]
    [InlineData("10.0.0.1:8081")]
    public void Dev_mode_refuses_a_listen_address_other_machines_can_reach(string addr)
    {
        var error = OnlyError(("SERVER_ADDR", addr));

        Assert.StartsWith("SERVER_ADDR must be a loopback address", error, StringComparison.Ordinal);
        Assert.Contains($"'{addr}'", error);
    }

    [Theory]
    [InlineData("localhost:8081")]
    [InlineData("127.0.0.1:8081")]
    [InlineData("127.0.0.2:9000")]
    [InlineData("[::1]:8081")]
    public void Dev_mode_accepts_loopback_listen_addresses(string addr) => Assert.Empty(Load(("SERVER_ADDR", addr)).Errors);

    [Theory]
    [InlineData("DATABASE_DSN", null)]
    [InlineData("DATABASE_DSN", "mysql://nope")]
    [InlineData("SERVER_ADDR", "8081")]
    [InlineData("SERVER_ADDR", ":99999")]
    [InlineData("SERVER_ADDR", "example.com:80")]
    [InlineData("DEV_MODE", "maybe")]
    [InlineData("SESSION_DURATION", "1 day")]
    [InlineData("SESSION_DURATION", "-5m")]
    [InlineData("SESSION_DURATION", "0s")]
    [InlineData("SESSION_BACKEND", "etcd")]
    [InlineData("SESSION_IDLE_TIMEOUT", "0s")]
    [InlineData("SECRETS_ENCRYPTION_KEY", "c2hvcnQ=")]
    [InlineData("KUBERNETES_NAMESPACE", "sandbox")]
    [InlineData("KUBERNETES_NAMESPACE", "%s-%s")]
    [InlineData("KUBERNETES_NAMESPACE", "Sandbox-%s")]
    [InlineData("KUBERNETES_NAMESPACE", "a-pattern-far-too-long-for-63-%s")]
    [InlineData("PLATFORM_ADMINS", "root@x.io, not-an-email")]
    [InlineData("BASE_URL", "ftp://x")]
    [InlineData("SESSION_COOKIE_NAME", "bad name;")]
    [InlineData("SMTP_PORT", "seventy")]
    [InlineData("EMAIL_PROVIDER", "pigeon")]
    [InlineData("ANTHROPIC_MODEL", "claude sonnet; rm")]
    [InlineData("ANTHROPIC_BASE_URL", "ftp://x")]
    [InlineData("ANTHROPIC_TIMEOUT", "0s")]
    [InlineData("ANTHROPIC_DRAFTS_PER_HOUR", "many")]
    [InlineData("ANTHROPIC_DRAFTS_PER_HOUR", "0")]
    public void A_bad_value_gives_one_line_naming_the_variable(string variable, string? value)
    {
        var error = OnlyError((variable, value));

        Assert.StartsWith(variable, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Ai_drafts_are_off_without_a_key_and_take_their_defaults_with_one()
    {
        var (off, _) = Load();
        var (on, errors) = Load(("ANTHROPIC_API_KEY", "sk-ant-x"));

        Assert.Null(off!.Anthropic);
        Assert.Empty(errors);
        Assert.Equal(("sk-ant-x", "claude-sonnet-4-5", null), (on!.Anthropic!.ApiKey, on.Anthropic.Model, on.Anthropic.BaseUrl));
        Assert.Equal(new Application.Features.Templates.TemplateDraftOptions(TimeSpan.FromSeconds(60), 20), on.TemplateDrafts);
    }

    [Theory]
    [InlineData(null, "REDIS_ADDR is required")]
    [InlineData("cache", "REDIS_ADDR must be host:port")]
    [InlineData("redis://:hunter2@cache:6379/two", "REDIS_ADDR has '/two' as its database")]
    public void Redis_sessions_need_a_redis_address(string? address, string expected)
    {
        var error = OnlyError(("SESSION_BACKEND", "redis"), ("REDIS_ADDR", address));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_sessions_read_the_redis_url()
    {
        var settings = Load(("SESSION_BACKEND", "REDIS"), ("REDIS_ADDR", "rediss://app:pw@cache.example.com:6380/3")).Settings!;

        Assert.Equal((SessionBackend.Redis, "app", "pw", 3, true),
            (settings.SessionBackend, settings.Redis!.User, settings.Redis.Password, settings.Redis.DefaultDatabase, settings.Redis.Ssl));
    }

    [Fact]
    public void The_vault_backend_takes_its_address_mount_and_token()
    {
        var settings = Load(("SECRETS_BACKEND", "vault"), ("VAULT_ADDR", "https://vault.example.com:8200"), ("VAULT_TOKEN", "s.token"),
            ("VAULT_MOUNT_PATH", "/kv/apps/")).Settings!;

        Assert.Equal(("vault", new Uri("https://vault.example.com:8200"), "kv/apps", "s.token", (string?)null),
            (settings.SecretsBackend, settings.Vault!.Address, settings.Vault.MountPath, settings.Vault.Token, settings.Vault.TokenFile));
    }

    [Fact]
    public void The_vault_token_file_must_be_readable()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.Equal(file, Load(("SECRETS_BACKEND", "vault"), ("VAULT_ADDR", "http://127.0.0.1:8200"), ("VAULT_TOKEN_FILE", file)).Settings!.Vault!.TokenFile);
            Assert.Equal("VAULT_TOKEN_FILE '/nonexistent/token' cannot be read",
                OnlyError(("SECRETS_BACKEND", "vault"), ("VAULT_ADDR", "http://127.0.0.1:8200"), ("VAULT_TOKEN_FILE", "/nonexistent/token")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("VAULT_ADDR", null, "VAULT_ADDR is required")]
    [InlineData("VAULT_ADDR", "vault.example.com", "VAULT_ADDR must be an absolute http(s) URL")]
    [InlineData("VAULT_TOKEN", null, "VAULT_TOKEN or VAULT_TOKEN_FILE is required")]
    [InlineData("VAULT_TOKEN_FILE", "/etc/hostname", "VAULT_TOKEN_FILE and VAULT_TOKEN are both set")]
    [InlineData("VAULT_MOUNT_PATH", "kv/../sys", "VAULT_MOUNT_PATH must be the path of a KV v2 mount")]
    public void Vault_settings_are_checked_with_one_line_naming_the_variable(string variable, string? value, string error) =>
        Assert.StartsWith(error, OnlyError(("SECRETS_BACKEND", "vault"), ("VAULT_ADDR", "https://vault.example.com"), ("VAULT_TOKEN", "s.token"), (variable, value)),
            StringComparison.Ordinal);

    [Fact]
    public void The_aws_backend_takes_its_region_and_an_endpoint_override()
    {
        var regional = Load(("SECRETS_BACKEND", "aws"), ("AWS_REGION", "eu-west-1")).Settings!.AwsSecretsManager!;
        var overridden = Load(("SECRETS_BACKEND", "aws"), ("AWS_REGION", "eu-west-1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")).Settings!.AwsSecretsManager!;

        Assert.Equal(new Uri("https://secretsmanager.eu-west-1.amazonaws.com/"), regional.ServiceUrl);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), overridden.ServiceUrl);
    }

    [Theory]
    [InlineData("AWS_REGION", null, "AWS_REGION is required")]
    [InlineData("AWS_REGION", "Ireland", "AWS_REGION must be an AWS region")]
    [InlineData("AWS_ENDPOINT_URL", "localhost:4566", "AWS_ENDPOINT_URL must be an absolute http(s) URL")]
    [InlineData("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY is required with AWS_ACCESS_KEY_ID")]
    [InlineData("AWS_SECRET_ACCESS_KEY", "secret", "AWS_ACCESS_KEY_ID is required with AWS_SECRET_ACCESS_KEY")]
    public void Aws_settings_are_checked_with_one_line_naming_the_variable(string variable, string? value, string error) =>
        Assert.StartsWith(error, OnlyError(("SECRETS_BACKEND", "aws"), ("AWS_REGION", "eu-west-1"), (variable, value)), StringComparison.Ordinal);

    [Fact]
    public void Previous_encryption_keys_are_a_comma_separated_list_beside_the_current_key()
    {
        var (a, b) = (new byte[32], Enumerable.Repeat((byte)7, 32).ToArray());

        var settings = Load(("SECRETS_ENCRYPTION_KEY_PREVIOUS", $"{Convert.ToBase64String(a)}, {Convert.ToBase64String(b)}"),
            ("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))).Settings!;

        Assert.Equal([a, b], settings.SecretsEncryptionKeysPrevious);
        Assert.StartsWith("SECRETS_ENCRYPTION_KEY_PREVIOUS must be a comma-separated list of keys",
            OnlyError(("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(a)), ("SECRETS_ENCRYPTION_KEY_PREVIOUS", "c2hvcnQ=")), StringComparison.Ordinal);
        Assert.StartsWith("SECRETS_ENCRYPTION_KEY_PREVIOUS is set without SECRETS_ENCRYPTION_KEY",
            OnlyError(("SECRETS_ENCRYPTION_KEY_PREVIOUS", Convert.ToBase64String(a))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vault")]
    [InlineData("aws")]
    public void Outside_dev_mode_every_secrets_backend_needs_the_encryption_key(string backend)
    {
        var (_, errors) = Load([.. Production, ("SECRETS_ENCRYPTION_KEY", null), ("SECRETS_BACKEND", backend), ("VAULT_ADDR", "https://vault.example.com"),
            ("VAULT_TOKEN", "s.token"), ("AWS_REGION", "eu-west-1")]);

        Assert.StartsWith($"SECRETS_ENCRYPTION_KEY is required (SECRETS_BACKEND={backend})", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_dev_mode_the_database_secrets_backend_needs_its_key()
    {
        var (_, errors) = Load([.. Production, ("SECRETS_ENCRYPTION_KEY", null)]);

        Assert.StartsWith("SECRETS_ENCRYPTION_KEY is required", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_secure_host_only_session_cookie_gets_the_host_prefix_by_default()
    {
        Assert.Equal("__Host-session_id", Load(("COOKIE_SECURE", "true")).Settings!.SessionCookieName);
        Assert.Equal("session_id", Load(("COOKIE_SECURE", "true"), ("SESSION_COOKIE_DOMAIN", "example.com")).Settings!.SessionCookieName);
        Assert.Equal("session_id", Load(("COOKIE_SECURE", "false")).Settings!.SessionCookieName);
        Assert.Equal("cs", Load(("COOKIE_SECURE", "true"), ("SESSION_COOKIE_NAME", "cs")).Settings!.SessionCookieName);
        Assert.Equal("__Host-cs", Load(("COOKIE_SECURE", "true"), ("SESSION_COOKIE_NAME", "__Host-cs")).Settings!.SessionCookieName);
    }

    [Theory]
    [InlineData("__Host-cs", "false", null)]
    [InlineData("__Host-cs", "true", "example.com")]
    [InlineData("__Secure-cs", "false", null)]
    public void A_cookie_prefix_browsers_would_refuse_is_one_line_naming_the_variable(string name, string secure, string? domain) =>
        Assert.StartsWith($"SESSION_COOKIE_NAME '{name}' has the", OnlyError(("SESSION_COOKIE_NAME", name), ("COOKIE_SECURE", secure), ("SESSION_COOKIE_DOMAIN", domain)),
            StringComparison.Ordinal);

    [Fact]
    public void Billing_needs_both_stripe_secrets()
    {
        var (_, errors) = Load(("BILLING_ENABLED", "true"), ("STRIPE_API_KEY", "pk_live_public"));

        Assert.Equal(["STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"], errors.Select(e => e.Split(' ')[0]).ToArray());
        Assert.Empty(Load(("BILLING_ENABLED", "true"), ("STRIPE_API_KEY", "sk_test_1"), ("STRIPE_WEBHOOK_SECRET", "whsec_1")).Errors);
    }

    [Fact]
    public void Stripe_api_base_must_be_an_absolute_url()
    {
        var (_, errors) = Load(("BILLING_ENABLED", "true"), ("STRIPE_API_KEY", "sk_test_1"), ("STRIPE_WEBHOOK_SECRET", "whsec_1"), ("STRIPE_API_BASE", "localhost:12111"));

        Assert.Equal(["STRIPE_API_BASE"], errors.Select(e => e.Split(' ')[0]).ToArray());
        var (settings, none) = Load(("BILLING_ENABLED", "true"), ("STRIPE_API_KEY", "sk_test_1"), ("STRIPE_WEBHOOK_SECRET", "whsec_1"), ("STRIPE_API_BASE", "http://127.0.0.1:12111"));
        Assert.Empty(none);
        Assert.Equal(new Uri("http://127.0.0.1:12111"), settings!.StripeApiBase);
    }

    [Fact]
    public void Dev_mode_refuses_a_public_base_url() =>
        Assert.StartsWith("BASE_URL", OnlyError(("BASE_URL", "https://app.example.com")), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://localhost:3000")]
    [InlineData("http://127.0.0.1:8081")]
    [InlineData("http://[::1]:8081")]
    [InlineData("http://app.localhost")]
    public void Dev_mode_accepts_localhost_base_urls(string url) => Assert.Empty(Load(("BASE_URL", url)).Errors);

    [Fact]
    public void Without_dev_mode_google_sign_in_is_required()
    {
        var (_, errors) = Load(("DEV_MODE", "false"), ("BASE_URL", "https://app.example.com"), ("SECRETS_ENCRYPTION_KEY", Convert.ToBase64String(new byte[32])));

        Assert.Equal(["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REDIRECT_URL"], errors.Select(e => e.Split(' ')[0]).ToArray());
    }

    [Theory]
    [InlineData(null, "https://accounts.google.com/")]
    [InlineData("https://keycloak.example.com/realms/main", "https://keycloak.example.com/realms/main")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    public void The_oidc_issuer_is_google_unless_set(string? issuer, string expected) =>
        Assert.Equal(expected, Load([.. Production, ("OIDC_ISSUER", issuer)]).Settings!.OidcIssuer.ToString());

    [Theory]
    [InlineData("http://dex.example.com")]
    [InlineData("accounts.google.com")]
    [InlineData("ftp://idp.example.com")]
    public void An_oidc_issuer_that_is_not_https_is_refused_naming_it(string issuer) =>
        Assert.StartsWith("OIDC_ISSUER ", OnlyError([.. Production, ("OIDC_ISSUER", issuer)]));

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("168h", 604800)]
    public void Go_style_durations(string text, double seconds)
    {
        Assert.True(EnvironmentReader.TryParseDuration(text, out var duration));
        Assert.Equal(seconds, duration.TotalSeconds, 3);
    }

    [Fact]
    public void Platform_admins_are_normalized()
    {
        var settings = Load(("PLATFORM_ADMINS", " Root@Example.com ,ops@example.com,")).Settings!;

        Assert.True(settings.IsPlatformAdmin("root@example.com"));
        Assert.True(settings.IsPlatformAdmin("ops@example.com"));
        Assert.False(settings.IsPlatformAdmin("dev@localhost"));
    }

    [Fact]
    public void KUBERNETES_ENABLED_without_a_reachable_configuration_is_one_line_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-kubeconfig-{Guid.NewGuid():N}");
        var error = OnlyError(("KUBERNETES_ENABLED", "true"), ("KUBERNETES_SERVICE_HOST", ""), ("KUBECONFIG", missing));
        Assert.StartsWith("KUBERNETES_ENABLED is true, but no Kubernetes configuration", error);
        Assert.Contains(missing, error);
    }

    [Fact]
    public void KUBERNETES_ENABLED_with_a_kubeconfig_connects_to_its_current_context()
    {
        var kubeconfig = CleanScheduler.TestSupport.Kubernetes.Kubeconfig.Write(new Uri("http://127.0.0.1:6443"));
        try
        {
            var (settings, errors) = Load(("KUBERNETES_ENABLED", "true"), ("KUBERNETES_SERVICE_HOST", ""), ("KUBECONFIG", kubeconfig));
            Assert.Empty(errors);
            Assert.Equal("http://127.0.0.1:6443", settings!.Kubernetes!.Host);
        }
        finally { File.Delete(kubeconfig); }
    }

    [Fact]
    public void REACT_UI_without_a_built_ui_is_one_line_naming_it_and_the_missing_file()
    {
        var empty = Directory.CreateTempSubdirectory("cs-no-ui-").FullName;
        try
        {
            var error = OnlyError(("REACT_UI", "true"), ("REACT_UI_DIR", empty));
            Assert.StartsWith("REACT_UI is true, but the web UI is not built: ", error);
            Assert.Contains(Path.Combine(empty, "index.html"), error);

            File.WriteAllText(Path.Combine(empty, "index.html"), "<!doctype html>");
            var (settings, errors) = Load(("REACT_UI", "true"), ("REACT_UI_DIR", empty));
            Assert.Empty(errors);
            Assert.Equal(empty, settings!.ReactUiDirectory);
            Assert.Null(Load(("REACT_UI", "false"), ("REACT_UI_DIR", empty)).Settings!.ReactUiDirectory);
        }
        finally { Directory.Delete(empty, recursive: true); }
    }
}
