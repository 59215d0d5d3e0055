using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Infrastructure.Persistence;
using CleanScheduler.Infrastructure.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CleanScheduler.Infrastructure;

public enum SessionBackend
{
    Memory,
    Postgres,
    Redis,
}

/// <summary>Where sessions are kept, how long an unused one lives, and (SESSION_BACKEND=redis) the Redis server.</summary>
public sealed record SessionStorage(SessionBackend Backend, TimeSpan IdleTimeout, StackExchange.Redis.ConfigurationOptions? Redis = null);

public static class DependencyInjection
{
    /// <summary>
    /// PostgreSQL (one data source shared by EF Core, the migrator and the session store), the session store, and the
    /// secrets cipher (<paramref name="secretsKey"/> encrypts; it and <paramref name="previousSecretsKeys"/> decrypt).
    /// </summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, string connectionString, SessionStorage sessions, byte[] secretsKey,
        IEnumerable<byte[]>? previousSecretsKeys = null)
    {
        services.AddSingleton(new Secrets.AesGcmSecretCipher(secretsKey, previousSecretsKeys ?? []));
        services.AddSingleton<ISecretCipher>(sp => sp.GetRequiredService<Secrets.AesGcmSecretCipher>());
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(WithConnectionDefaults(connectionString)).Build());
        services.AddDbContextPool<AppDbContext>((sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped<IAppDbContext>(sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            db.Actor = () => sp.GetService<ICurrentUser>() is { } user && TryActor(user) is { } actor ? actor : null;
            db.Outbox = sp.GetService<ClusterOutboxWriter>();
            return db;
        });
        services.AddScoped<IAccessReader, AccessReader>();
        services.AddScoped<IDeploymentListReader, DeploymentListReader>();
        services.AddSingleton<IPlatformStatisticsReader, PlatformStatisticsReader>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<IClientDirectory, ClientDirectory>();
        services.AddSingleton<Application.Features.Tokens.IApiTokenStore, Tokens.PostgresApiTokenStore>();
        services.AddSingleton(new SessionIdleTimeout(sessions.IdleTimeout));
        switch (sessions.Backend)
        {
            case SessionBackend.Postgres:
                services.AddSingleton<ISessionStore, PostgresSessionStore>();
                break;
            case SessionBackend.Redis:
                var redis = sessions.Redis ?? throw new ArgumentException("SESSION_BACKEND=redis needs the Redis connection options.", nameof(sessions));
                services.AddSingleton<StackExchange.Redis.IConnectionMultiplexer>(_ => StackExchange.Redis.ConnectionMultiplexer.Connect(redis));
                services.AddSingleton<ISessionStore>(sp => new RedisSessionStore(
                    sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), sp.GetRequiredService<SessionIdleTimeout>()));
                break;
            default:
                services.AddSingleton<ISessionStore, InMemorySessionStore>();
                break;
        }
        return services;
    }

    /// <summary>
    /// The template format and the renderer (<see cref="IDeploymentManifests"/>), with or without a cluster: template
    /// checks and the manifest download use them. CLUSTER_SECRET_STORE and DISABLE_NETWORK_POLICIES shape the output.
    /// </summary>
    public static IServiceCollection AddDeploymentManifests(this IServiceCollection services, CleanScheduler.Kubernetes.RenderOptions render)
    {
        services.AddSingleton(render);
        services.AddSingleton<IDeploymentManifests, Cluster.KubernetesDeploymentManifests>();
        return services;
    }

    /// <summary>
    /// KUBERNETES_ENABLED=true: the cluster adapters (publish, reports, logs, metrics) over the Kubernetes client, the cluster
    /// outbox (rows written with deployment changes, worked off by <see cref="Application.Features.Deployments.DeploymentClusterSync"/>)
    /// and its wake-up signal.
    /// </summary>
    public static IServiceCollection AddKubernetesCluster(this IServiceCollection services, k8s.KubernetesClientConfiguration configuration)
    {
        services.AddSingleton<CleanScheduler.Kubernetes.IKubernetesClient>(_ => new CleanScheduler.Kubernetes.KubernetesApiClient(configuration, "cleanscheduler-server"));
        services.AddSingleton<IDeploymentPublisher, Cluster.KubernetesDeploymentPublisher>();
        services.AddSingleton<IDeploymentReports, Cluster.KubernetesDeploymentReports>();
        services.AddSingleton<IDeploymentLogs, Cluster.KubernetesDeploymentLogs>();
        services.AddSingleton<IDeploymentMetrics, Cluster.KubernetesDeploymentMetrics>();
        services.AddSingleton<Application.Features.Deployments.ClusterSyncSignal>();
        services.AddSingleton<Application.Features.Deployments.ClusterSyncMetrics>();
        services.AddSingleton<ClusterOutboxWriter>();
        services.AddSingleton<Application.Features.Deployments.IClusterOutbox, ClusterOutboxStore>();
        services.AddScoped<Application.Features.Deployments.DeploymentClusterSync>();
        services.AddSingleton<Cluster.TeamNamespaces>();
        services.AddSingleton<Application.Features.Tasks.ITaskPublisher, Cluster.KubernetesTaskPublisher>();
        services.AddSingleton<Application.Features.Tasks.ITaskReports, Cluster.KubernetesTaskReports>();
        services.AddSingleton<Application.Features.Tasks.ITaskOutbox, TaskOutboxStore>();
        services.AddScoped<Application.Features.Tasks.TaskClusterSync>();
        return services;
    }

    /// <summary>The acting user, or null where there is none (start-up work, background services).</summary>
    private static AuditActor? TryActor(ICurrentUser user)
    {
        try { return new AuditActor(user.Id.Value, user.Email); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>
    /// Unless the DSN says otherwise, Npgsql prepares statements used repeatedly on a connection, so PostgreSQL plans
    /// each query shape once per connection instead of on every request (behind PgBouncer in transaction mode, put
    /// <c>Max Auto Prepare=0</c> in the connection string), and a pooled connection is not reset when it is taken
    /// again: with prepared statements the reset is seven statements PostgreSQL ran before every request's first (SET
    /// SESSION AUTHORIZATION, RESET ALL, CLOSE ALL, UNLISTEN, advisory unlock, DISCARD SEQUENCES and TEMP), for session
    /// state this server never leaves on a pooled connection: no plain SET (only SET LOCAL), no LISTEN, no cursors or
    /// temporary tables, and the migrator releases its session-level advisory lock before the connection goes back
    /// (docs/architecture.md, "Thread-pool workers that do not spin; pooled connections not reset").
    /// </summary>
    public static string WithConnectionDefaults(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey is true for every keyword it knows, set or not: ask the string itself.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!given.Contains("AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
        if (!given.Contains("NoResetOnClose")) builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }
}
