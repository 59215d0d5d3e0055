using System.Net;
using CleanScheduler.Domain.Users;
using CleanScheduler.Infrastructure;
using CleanScheduler.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;

namespace CleanScheduler.WebApi.Configuration;

/// <summary>Where the server listens. An empty host (the seeds' <c>:8081</c>) means every interface.</summary>
public sealed record ListenAddress(string? Host, int Port)
{
    public string ToUrl() => Host switch
    {
        null => $"http://+:{Port}",
        _ when IPAddress.TryParse(Host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"http://[{Host}]:{Port}",
        _ => $"http://{Host}:{Port}",
    };

    /// <summary>True when only this machine can connect: localhost, 127.x.y.z or ::1 (an empty host or 0.0.0.0 is every interface).</summary>
    public bool IsLoopback =>
        Host is not null && (Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip)));

    public static bool TryParse(string text, out ListenAddress address)
    {
        address = null!;
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is <= 0 or > 65535) return false;
        var host = text[..colon].Trim('[', ']');
        if (host.Length == 0) { address = new ListenAddress(null, port); return true; }
        if (host != "localhost" && !IPAddress.TryParse(host, out _)) return false;
        address = new ListenAddress(host, port);
        return true;
    }
}

/// <summary>
/// The server's configuration, bound once from the environment variables of seeds/configuration.txt and
/// validated at start-up. Secret values (passwords, keys, tokens) are held here but never logged.
/// </summary>
public sealed partial class ServerSettings
{
    public const string DevUserEmail = "dev@localhost";
    public const string GoogleIssuer = "https://accounts.google.com";
    public const string HostCookiePrefix = "__Host-";
    public const string SecureCookiePrefix = "__Secure-";

    public required string ConnectionString { get; init; }
    public required bool DevMode { get; init; }
    public required bool ReactUi { get; init; }

    /// <summary>With REACT_UI=true: the built web UI (index.html and assets/), by default wwwroot beside the server's assembly.</summary>
    public string? ReactUiDirectory { get; init; }
    public required ListenAddress ServerAddr { get; init; }

    /// <summary>METRICS_ADDR: the Prometheus listener (/metrics, no authentication: keep it cluster-internal); null when off.</summary>
    public ListenAddress? MetricsAddr { get; init; }
    public required Uri BaseUrl { get; init; }
    public required string DeploymentDomain { get; init; }
    public required bool KubernetesEnabled { get; init; }
    public required string KubernetesNamespace { get; init; }

    /// <summary>TASK_NAMESPACE: the one namespace of every task and workflow; null: each team's (KUBERNETES_NAMESPACE's).</summary>
    public string? TaskNamespace { get; init; }
    public string? ClusterSecretStore { get; init; }
    public required bool DisableNetworkPolicies { get; init; }
    public required TimeSpan KubernetesReconcileInterval { get; init; }

    /// <summary>With KUBERNETES_ENABLED=true: the cluster, from the in-cluster service account or the kubeconfig (KUBECONFIG).</summary>
    public k8s.KubernetesClientConfiguration? Kubernetes { get; init; }
    public required SessionBackend SessionBackend { get; init; }
    public required TimeSpan SessionDuration { get; init; }
    public required TimeSpan SessionIdleTimeout { get; init; }
    public required string SessionCookieName { get; init; }
    public required TimeSpan SessionCleanupInterval { get; init; }
    public string? SessionCookieDomain { get; init; }
    public required string StateCookieName { get; init; }
    public required bool CookieSecure { get; init; }
    /// <summary>With SESSION_BACKEND=redis: the server from REDIS_ADDR (its password included; never logged).</summary>
    public StackExchange.Redis.ConfigurationOptions? Redis { get; init; }
    public required string SecretsBackend { get; init; }
    public byte[]? SecretsEncryptionKey { get; init; }
    /// <summary>SECRETS_ENCRYPTION_KEY_PREVIOUS: keys that still decrypt (rotation), never encrypt.</summary>
    public IReadOnlyList<byte[]> SecretsEncryptionKeysPrevious { get; init; } = [];
    /// <summary>With SECRETS_BACKEND=vault: VAULT_ADDR, VAULT_MOUNT_PATH and the token (never logged).</summary>
    public Infrastructure.Secrets.VaultSettings? Vault { get; init; }
    public required string VaultMountPath { get; init; }
    /// <summary>With SECRETS_BACKEND=aws: AWS_REGION and the endpoint (credentials come from the SDK's default chain).</summary>
    public Infrastructure.Secrets.AwsSecretsManagerSettings? AwsSecretsManager { get; init; }
    public required bool BillingEnabled { get; init; }
    public string? StripeApiKey { get; init; }
    public string? StripeWebhookSecret { get; init; }
    /// <summary>smtp, sendgrid or log (the default: mail is printed, not delivered).</summary>
    public required string EmailProvider { get; init; }
    public MimeKit.MailboxAddress? EmailFrom { get; init; }
    public required Uri SendGridApiHost { get; init; }
    public required TimeSpan EmailGiveUpAfter { get; init; }
    public required TimeSpan EmailRetryDelay { get; init; }

    /// <summary>STRIPE_API_BASE: where Stripe.net sends API calls (tests point it at a local fake); Stripe's own by default.</summary>
    public Uri? StripeApiBase { get; init; }
    public string? SmtpHost { get; init; }
    public required int SmtpPort { get; init; }
    public string? SmtpUsername { get; init; }
    public string? SmtpPassword { get; init; }
    public string? SendGridApiKey { get; init; }
    /// <summary>With ANTHROPIC_API_KEY: AI template drafts (the key is never logged); otherwise the feature is absent.</summary>
    public Infrastructure.Ai.AnthropicSettings? Anthropic { get; init; }
    public required Application.Features.Templates.TemplateDraftOptions TemplateDrafts { get; init; }
    public string? GoogleClientId { get; init; }
    public string? GoogleClientSecret { get; init; }
    public Uri? GoogleRedirectUrl { get; init; }

    /// <summary>The OpenID Connect provider (its discovery document is at <c>/.well-known/openid-configuration</c> below it).</summary>
    public required Uri OidcIssuer { get; init; }
    public required IReadOnlySet<string> PlatformAdmins { get; init; }
    public required string LogLevel { get; init; }

    public bool IsPlatformAdmin(string email) => PlatformAdmins.Contains(email);

    /// <summary>Binds and validates; on failure returns one line per bad variable, each naming it.</summary>
    public static (ServerSettings? Settings, IReadOnlyList<string> Errors) Load(IConfiguration configuration)
    {
        var env = new EnvironmentReader(configuration);

        var dsn = env.Optional("DATABASE_DSN");
        var connectionString = "";
        if (!DatabaseDsn.TryParse(dsn, out connectionString, out var dsnError)) env.Error("DATABASE_DSN", dsnError);

        var errorsBefore = env.Errors.Count;
        var devMode = env.Bool("DEV_MODE", false);
        var devModeKnown = env.Errors.Count == errorsBefore;   // a bad DEV_MODE must not cascade into mode-dependent errors
        var serverAddrText = env.String("SERVER_ADDR", ":8081");
        var serverAddrKnown = ListenAddress.TryParse(serverAddrText, out var serverAddr);
        if (!serverAddrKnown)
            env.Error("SERVER_ADDR", $"must be [host]:port with an IP address or localhost as host (':8081', '127.0.0.1:8081'), not '{serverAddrText}'");
        var metricsAddrText = env.StringOrOff("METRICS_ADDR", ":9090");
        ListenAddress? metricsAddr = null;
        if (metricsAddrText is not null && !ListenAddress.TryParse(metricsAddrText, out metricsAddr))
            env.Error("METRICS_ADDR", $"must be [host]:port with an IP address or localhost as host (':9090', '127.0.0.1:9090'), or empty to turn metrics off, not '{metricsAddrText}'");
        else if (metricsAddr is not null && serverAddrKnown && metricsAddr.Port == serverAddr.Port)
            env.Error("METRICS_ADDR", $"must use another port than SERVER_ADDR ({serverAddr.Port}): the metrics listener is separate from the API");
        var baseUrl = env.AbsoluteUrl("BASE_URL", "http://localhost:8081");
        if (devMode && devModeKnown && baseUrl is not null && !IsLocalhost(baseUrl))
            env.Error("BASE_URL", $"must be a localhost URL when DEV_MODE=true (DEV_MODE signs everyone in without a password), not '{baseUrl}'");
        if (devMode && devModeKnown && serverAddrKnown && !serverAddr.IsLoopback)
            env.Error("SERVER_ADDR", $"must be a loopback address (localhost:8081, 127.0.0.1:8081 or [::1]:8081) when DEV_MODE=true (DEV_MODE signs everyone in without a password), not '{serverAddrText}', which listens on {(serverAddr.Host is null ? "every interface" : "a network interface")}");

        var deploymentDomain = env.String("DEPLOYMENT_DOMAIN", "example.com").ToLowerInvariant();
        if (!Domain.Clients.Client.IsValidDomain(deploymentDomain) && deploymentDomain != "localhost")
            env.Error("DEPLOYMENT_DOMAIN", $"must be a DNS domain such as apps.example.com, not '{deploymentDomain}'");

        var kubernetesNamespace = env.String("KUBERNETES_NAMESPACE", Application.Features.Deployments.DeploymentOptions.DefaultNamespacePattern);
        if (Application.Features.Deployments.DeploymentOptions.NamespacePatternProblem(kubernetesNamespace) is { } namespaceProblem)
            env.Error("KUBERNETES_NAMESPACE", $"{namespaceProblem}, not '{kubernetesNamespace}'");
        var taskNamespace = env.Optional("TASK_NAMESPACE");
        if (taskNamespace is not null && (taskNamespace.Length > 63 || !System.Text.RegularExpressions.Regex.IsMatch(taskNamespace, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")))
            env.Error("TASK_NAMESPACE", $"must be a namespace name (a DNS-1123 label of at most 63 characters), not '{taskNamespace}'");

        var reactUi = env.Bool("REACT_UI", false);
        var reactUiDirectory = Path.GetFullPath(env.Optional("REACT_UI_DIR") ?? Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        if (reactUi && !File.Exists(Path.Combine(reactUiDirectory, "index.html")))
            env.Error("REACT_UI", $"is true, but the web UI is not built: {Path.Combine(reactUiDirectory, "index.html")} is missing (build it with 'npm ci && npm run build' in frontend/, then build the server; or set REACT_UI_DIR)");

        var kubernetesEnabled = env.Bool("KUBERNETES_ENABLED", false);
        k8s.KubernetesClientConfiguration? kubernetes = null;
        if (kubernetesEnabled && !CleanScheduler.Kubernetes.KubernetesConfiguration.TryDiscover(env.Optional, out kubernetes, out var kubernetesError))
            env.Error("KUBERNETES_ENABLED", $"is true, but {kubernetesError}");
        var reconcileInterval = env.Duration("KUBERNETES_RECONCILE_INTERVAL", TimeSpan.FromSeconds(30));

        var sessionBackend = env.Choice("SESSION_BACKEND", SessionBackend.Memory,
            ("memory", SessionBackend.Memory), ("postgres", SessionBackend.Postgres), ("redis", SessionBackend.Redis));
        StackExchange.Redis.ConfigurationOptions? redis = null;
        if (sessionBackend == SessionBackend.Redis && env.Required("REDIS_ADDR", "the Redis server when SESSION_BACKEND=redis: host:port or redis://[user:password@]host:port[/database]") is { } redisAddr
            && !Infrastructure.Sessions.RedisAddress.TryParse(redisAddr, out redis, out var redisError))
            env.Error("REDIS_ADDR", redisError);

        // The session cookie is Secure with COOKIE_SECURE; without SESSION_COOKIE_DOMAIN it is also host-only. Such a cookie
        // gets the __Host- prefix by default: browsers then refuse it unless it is Secure, host-only and on path /, so a
        // sibling subdomain or a plain-http page cannot plant or shadow it.
        var cookieSecure = env.Bool("COOKIE_SECURE", false);
        var cookieDomain = env.Optional("SESSION_COOKIE_DOMAIN");
        var cookieName = env.String("SESSION_COOKIE_NAME", cookieSecure && cookieDomain is null ? HostCookiePrefix + "session_id" : "session_id");
        if (cookieName.StartsWith(HostCookiePrefix, StringComparison.OrdinalIgnoreCase) && !(cookieSecure && cookieDomain is null))
            env.Error("SESSION_COOKIE_NAME", $"'{cookieName}' has the {HostCookiePrefix} prefix, which browsers accept only on a Secure cookie without a domain: set COOKIE_SECURE=true and leave SESSION_COOKIE_DOMAIN unset, or choose another name");
        else if (cookieName.StartsWith(SecureCookiePrefix, StringComparison.OrdinalIgnoreCase) && !cookieSecure)
            env.Error("SESSION_COOKIE_NAME", $"'{cookieName}' has the {SecureCookiePrefix} prefix, which browsers accept only on a Secure cookie: set COOKIE_SECURE=true or choose another name");
        var stateCookieName = env.String("STATE_COOKIE_NAME", "oauth_state");
        foreach (var (name, value) in new[] { ("SESSION_COOKIE_NAME", cookieName), ("STATE_COOKIE_NAME", stateCookieName) })
            if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                env.Error(name, $"must be a cookie name of letters, digits, '_', '-' or '.', not '{value}'");

        var secretsBackend = env.Choice("SECRETS_BACKEND", "database", ("database", "database"), ("vault", "vault"), ("aws", "aws"));
        if (env.Optional("CLUSTER_SECRET_STORE") is not null && secretsBackend == "database")
            env.Error("CLUSTER_SECRET_STORE", "needs SECRETS_BACKEND=vault or aws: the External Secrets Operator reads values from the backend, not from the server's database");
        var (key, previousKeys, vault, aws) = SecretBackendSettings(env, secretsBackend, devMode || !devModeKnown);

        var billing = env.Bool("BILLING_ENABLED", false);
        var stripeKey = env.Optional("STRIPE_API_KEY");
        var stripeSecret = env.Optional("STRIPE_WEBHOOK_SECRET");
        if (billing)
        {
            if (stripeKey is null || !(stripeKey.StartsWith("sk_", StringComparison.Ordinal) || stripeKey.StartsWith("rk_", StringComparison.Ordinal)))
                env.Error("STRIPE_API_KEY", "is required when BILLING_ENABLED=true and must be a Stripe secret key (sk_...)");
            if (stripeSecret is null || !stripeSecret.StartsWith("whsec_", StringComparison.Ordinal))
                env.Error("STRIPE_WEBHOOK_SECRET", "is required when BILLING_ENABLED=true and must be a webhook signing secret (whsec_...)");
        }
        var stripeApiBase = env.Optional("STRIPE_API_BASE") is null ? null : env.AbsoluteUrl("STRIPE_API_BASE", "");

        var emailProvider = env.Choice("EMAIL_PROVIDER", "log", ("smtp", "smtp"), ("sendgrid", "sendgrid"), ("log", "log"));
        var emailFromText = env.Optional("EMAIL_FROM");
        MimeKit.MailboxAddress? emailFrom = null;
        if (emailFromText is not null && !(MimeKit.MailboxAddress.TryParse(emailFromText, out emailFrom) && EmailAddress.IsValid(emailFrom.Address)))
        {
            env.Error("EMAIL_FROM", $"must be an e-mail address, optionally with a name ('Acme <noreply@acme.example>'), not '{emailFromText}'");
            emailFrom = null;
        }
        if (emailProvider is "smtp" or "sendgrid" && emailFromText is null)
            env.Required("EMAIL_FROM", $"the sender address of the platform's mail when EMAIL_PROVIDER={emailProvider}");
        var smtpHost = env.Optional("SMTP_HOST");
        if (emailProvider == "smtp") env.Required("SMTP_HOST", "the SMTP server when EMAIL_PROVIDER=smtp");
        if (smtpHost is not null && Uri.CheckHostName(smtpHost) == UriHostNameType.Unknown)
            env.Error("SMTP_HOST", $"must be a host name or IP address (the port goes in SMTP_PORT), not '{smtpHost}'");
        var smtpUsername = env.Optional("SMTP_USERNAME");
        var smtpPassword = env.Optional("SMTP_PASSWORD");
        if (emailProvider == "smtp" && smtpPassword is not null && smtpUsername is null)
            env.Error("SMTP_USERNAME", "is required when SMTP_PASSWORD is set");
        var sendGridKey = env.Optional("SENDGRID_API_KEY");
        if (emailProvider == "sendgrid" && env.Required("SENDGRID_API_KEY", "the SendGrid API key when EMAIL_PROVIDER=sendgrid") is { } givenKey
            && !givenKey.StartsWith("SG.", StringComparison.Ordinal))
            env.Error("SENDGRID_API_KEY", "must be a SendGrid API key (SG....)");
        var sendGridHost = env.AbsoluteUrl("SENDGRID_API_HOST", "https://api.sendgrid.com");
        var mailGiveUp = env.Duration("EMAIL_GIVE_UP_AFTER", Application.Common.MailDeliveryOptions.Default.GiveUpAfter);
        var mailRetry = env.Duration("EMAIL_RETRY_DELAY", Application.Common.MailDeliveryOptions.Default.FirstRetryDelay);

        string? googleId = env.Optional("GOOGLE_CLIENT_ID"), googleSecret = env.Optional("GOOGLE_CLIENT_SECRET");
        Uri? googleRedirect = null;
        if (!devMode && devModeKnown)
        {
            googleId = env.Required("GOOGLE_CLIENT_ID", "the Google OAuth client id (or set DEV_MODE=true for local use)");
            googleSecret = env.Required("GOOGLE_CLIENT_SECRET", "the Google OAuth client secret (or set DEV_MODE=true for local use)");
            if (env.Required("GOOGLE_REDIRECT_URL", "the OAuth callback URL, e.g. https://app.example.com/oauth2/callback") is not null)
                googleRedirect = env.AbsoluteUrl("GOOGLE_REDIRECT_URL", "");
        }
        var oidcIssuer = env.AbsoluteUrl("OIDC_ISSUER", GoogleIssuer);
        if (oidcIssuer is not null && oidcIssuer.Scheme != "https" && !IsLocalhost(oidcIssuer))
            env.Error("OIDC_ISSUER", $"must be an https URL (plain http only on this machine), not '{oidcIssuer}'");

        var admins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in (env.Optional("PLATFORM_ADMINS") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (EmailAddress.TryParse(entry, out var email)) admins.Add(email.Value);
            else env.Error("PLATFORM_ADMINS", $"must be a comma-separated list of e-mail addresses; '{entry}' is not one");
        }

        var (anthropic, drafts) = AnthropicSettings(env);

        var logLevel = env.Choice("LOG_LEVEL", "information",
            ("debug", "debug"), ("information", "information"), ("info", "information"), ("warning", "warning"), ("warn", "warning"), ("error", "error"));

        var settings = new ServerSettings
        {
            ConnectionString = connectionString,
            DevMode = devMode,
            ReactUi = reactUi,
            ReactUiDirectory = reactUi ? reactUiDirectory : null,
            ServerAddr = serverAddr,
            MetricsAddr = metricsAddr,
            BaseUrl = baseUrl!,
            DeploymentDomain = deploymentDomain,
            KubernetesEnabled = kubernetesEnabled,
            Kubernetes = kubernetes,
            KubernetesNamespace = kubernetesNamespace,
            TaskNamespace = taskNamespace,
            ClusterSecretStore = env.Optional("CLUSTER_SECRET_STORE"),
            DisableNetworkPolicies = env.Bool("DISABLE_NETWORK_POLICIES", false),
            KubernetesReconcileInterval = reconcileInterval,
            SessionBackend = sessionBackend,
            SessionDuration = env.Duration("SESSION_DURATION", TimeSpan.FromHours(24)),
            SessionIdleTimeout = env.Duration("SESSION_IDLE_TIMEOUT", TimeSpan.FromHours(2)),
            SessionCookieName = cookieName,
            SessionCleanupInterval = env.Duration("SESSION_CLEANUP_INTERVAL", TimeSpan.FromHours(1)),
            SessionCookieDomain = cookieDomain,
            StateCookieName = stateCookieName,
            CookieSecure = cookieSecure,
            Redis = redis,
            SecretsBackend = secretsBackend,
            SecretsEncryptionKey = key,
            SecretsEncryptionKeysPrevious = previousKeys,
            Vault = vault,
            VaultMountPath = vault?.MountPath ?? env.String("VAULT_MOUNT_PATH", "secret"),
            AwsSecretsManager = aws,
            BillingEnabled = billing,
            StripeApiKey = stripeKey,
            StripeWebhookSecret = stripeSecret,
            StripeApiBase = stripeApiBase,
            EmailProvider = emailProvider,
            SmtpHost = smtpHost,
            SmtpPort = env.Port("SMTP_PORT", 587),
            SmtpUsername = smtpUsername,
            SmtpPassword = smtpPassword,
            SendGridApiKey = sendGridKey,
            SendGridApiHost = sendGridHost ?? new Uri("https://api.sendgrid.com"),
            EmailFrom = emailFrom,
            EmailGiveUpAfter = mailGiveUp,
            EmailRetryDelay = mailRetry,
            Anthropic = anthropic,
            TemplateDrafts = drafts,
            GoogleClientId = googleId,
            GoogleClientSecret = googleSecret,
            GoogleRedirectUrl = googleRedirect,
            OidcIssuer = oidcIssuer ?? new Uri(GoogleIssuer),
            PlatformAdmins = admins,
            LogLevel = logLevel,
        };
        return env.Errors.Count == 0 ? (settings, []) : (null, env.Errors);
    }

    /// <summary>
    /// SECRETS_ENCRYPTION_KEY (encrypts; required outside DEV_MODE whatever the backend: the deploy form's secret settings
    /// and the sign-in state use it), SECRETS_ENCRYPTION_KEY_PREVIOUS (comma-separated, decrypt only), and the chosen
    /// backend's own settings.
    /// </summary>
    private static (byte[]? Key, IReadOnlyList<byte[]> Previous, Infrastructure.Secrets.VaultSettings? Vault, Infrastructure.Secrets.AwsSecretsManagerSettings? Aws)
        SecretBackendSettings(EnvironmentReader env, string backend, bool devMode)
    {
        const string Generate = "32 bytes in base64 (generate one with: openssl rand -base64 32)";
        var keyText = env.Optional("SECRETS_ENCRYPTION_KEY");
        var key = keyText is null ? null : EncryptionKey(keyText);
        if (keyText is not null && key is null) env.Error("SECRETS_ENCRYPTION_KEY", $"must be {Generate}");
        if (keyText is null && !devMode)
            env.Error("SECRETS_ENCRYPTION_KEY", $"is required (SECRETS_BACKEND={backend}): {Generate}");
        var previous = new List<byte[]>();
        foreach (var text in (env.Optional("SECRETS_ENCRYPTION_KEY_PREVIOUS") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (EncryptionKey(text) is { } old) previous.Add(old);
            else env.Error("SECRETS_ENCRYPTION_KEY_PREVIOUS", $"must be a comma-separated list of keys, each {Generate}");
        }
        if (previous.Count > 0 && keyText is null)
            env.Error("SECRETS_ENCRYPTION_KEY_PREVIOUS", "is set without SECRETS_ENCRYPTION_KEY: the previous keys only decrypt, set the new key as SECRETS_ENCRYPTION_KEY");

        Infrastructure.Secrets.VaultSettings? vault = null;
        if (backend == "vault")
        {
            var address = env.Required("VAULT_ADDR", "the Vault server when SECRETS_BACKEND=vault, e.g. https://vault.example.com:8200") is null
                ? null : env.AbsoluteUrl("VAULT_ADDR", "");
            var (token, tokenFile) = (env.Optional("VAULT_TOKEN"), env.Optional("VAULT_TOKEN_FILE"));
            if (token is null && tokenFile is null)
                env.Error("VAULT_TOKEN", "or VAULT_TOKEN_FILE is required when SECRETS_BACKEND=vault");
            else if (token is not null && tokenFile is not null)
                env.Error("VAULT_TOKEN_FILE", "and VAULT_TOKEN are both set; set one (the file is read again when it changes)");
            else if (tokenFile is not null && !Readable(tokenFile))
                env.Error("VAULT_TOKEN_FILE", $"'{tokenFile}' cannot be read");
            var mount = env.String("VAULT_MOUNT_PATH", "secret").Trim('/');
            if (mount.Length == 0 || mount.Split('/').Any(part => part is "" or "." or ".." || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                env.Error("VAULT_MOUNT_PATH", $"must be the path of a KV v2 mount such as secret or kv/apps, not '{mount}'");
            if (address is not null) vault = new Infrastructure.Secrets.VaultSettings(address, mount, token, tokenFile);
        }

        Infrastructure.Secrets.AwsSecretsManagerSettings? aws = null;
        if (backend == "aws")
        {
            var region = env.Required("AWS_REGION", "the AWS region of Secrets Manager when SECRETS_BACKEND=aws, e.g. eu-west-1");
            if (region is not null && !AwsRegionRule().IsMatch(region))
                env.Error("AWS_REGION", $"must be an AWS region such as eu-west-1, not '{region}'");
            var endpointName = env.Optional("AWS_ENDPOINT_URL_SECRETS_MANAGER") is not null ? "AWS_ENDPOINT_URL_SECRETS_MANAGER" : "AWS_ENDPOINT_URL";
            var endpoint = env.Optional(endpointName) is null ? null : env.AbsoluteUrl(endpointName, "");
            var (accessKey, secretKey) = (env.Optional("AWS_ACCESS_KEY_ID"), env.Optional("AWS_SECRET_ACCESS_KEY"));
            if (accessKey is not null && secretKey is null) env.Error("AWS_SECRET_ACCESS_KEY", "is required with AWS_ACCESS_KEY_ID");
            if (accessKey is null && secretKey is not null) env.Error("AWS_ACCESS_KEY_ID", "is required with AWS_SECRET_ACCESS_KEY");
            if (region is not null) aws = new Infrastructure.Secrets.AwsSecretsManagerSettings(region, endpoint);
        }
        return (key, previous, vault, aws);
    }

    /// <summary>ANTHROPIC_API_KEY turns AI template drafts on; ANTHROPIC_MODEL, ANTHROPIC_BASE_URL, ANTHROPIC_TIMEOUT, ANTHROPIC_DRAFTS_PER_HOUR tune them.</summary>
    private static (Infrastructure.Ai.AnthropicSettings?, Application.Features.Templates.TemplateDraftOptions) AnthropicSettings(EnvironmentReader env)
    {
        var key = env.Optional("ANTHROPIC_API_KEY");
        var model = env.String("ANTHROPIC_MODEL", "claude-sonnet-4-5");
        if (!model.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '@'))
            env.Error("ANTHROPIC_MODEL", $"must be a model name such as claude-sonnet-4-5, not '{model}'");
        var baseUrl = env.Optional("ANTHROPIC_BASE_URL") is null ? null : env.AbsoluteUrl("ANTHROPIC_BASE_URL", "");
        var timeout = env.Duration("ANTHROPIC_TIMEOUT", TimeSpan.FromSeconds(60));
        var perHourText = env.Optional("ANTHROPIC_DRAFTS_PER_HOUR");
        var perHour = 20;
        if (perHourText is not null && !(int.TryParse(perHourText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out perHour) && perHour is > 0 and <= 10_000))
            env.Error("ANTHROPIC_DRAFTS_PER_HOUR", $"must be a whole number of drafts per user and hour between 1 and 10000, not '{perHourText}'");
        return (key is null ? null : new Infrastructure.Ai.AnthropicSettings(key, model, baseUrl),
            new Application.Features.Templates.TemplateDraftOptions(timeout, perHour));
    }

    private static byte[]? EncryptionKey(string text)
    {
        try { return Convert.FromBase64String(text) is { Length: 32 } key ? key : null; }
        catch (FormatException) { return null; }
    }

    private static bool Readable(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex AwsRegionRule();

    public static bool IsLocalhost(Uri url) =>
        url.IsLoopback || url.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
