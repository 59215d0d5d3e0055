using System.Collections.Concurrent;
using System.Data.Common;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Infrastructure;
using CleanScheduler.Metrics;
using CleanScheduler.WebApi.Configuration;
using Prometheus;
using StackExchange.Redis;

namespace CleanScheduler.WebApi.Metrics;

/// <summary>How often a scrape may read the database counts, and how long it waits for them.</summary>
public sealed record ServerMetricsOptions(TimeSpan DatabaseReadInterval, TimeSpan DatabaseReadTimeout)
{
    public static readonly ServerMetricsOptions Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3));
}

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (a test host runs several servers in one process).
/// Request durations are observed per request (<see cref="RequestDurationMiddleware"/>); everything else is read when
/// Prometheus scrapes: in-process counts as they are, database counts at most once per
/// <see cref="ServerMetricsOptions.DatabaseReadInterval"/> and within its timeout, so a scrape costs the database little and never hangs on it.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly IServiceProvider _services;
    private readonly ServerMetricsOptions _options;
    private readonly SessionBackend _sessionBackend;
    private readonly TimeProvider _clock;
    private readonly ILogger<ServerMetrics> _logger;
    private readonly SemaphoreSlim _databaseRead = new(1, 1);
    private DateTimeOffset _lastDatabaseRead = DateTimeOffset.MinValue;

    private readonly Histogram _requestDuration;
    private readonly ConcurrentDictionary<(string Route, string Method, int StatusClass), Histogram.Child> _requestSeries = new();
    private readonly Counter _deploymentsCreated;
    private readonly Gauge _deploymentsByState;
    private readonly Gauge _outboxDepth;
    private readonly Gauge _outboxAge;
    private readonly Counter _syncErrors;
    private readonly Gauge _sessions;
    private readonly Counter _readErrors;

    public ServerMetrics(IServiceProvider services, ServerMetricsOptions options, ServerSettings settings, TimeProvider clock, ILogger<ServerMetrics> logger)
    {
        (_services, _options, _sessionBackend, _clock, _logger) = (services, options, settings.SessionBackend, clock, logger);
        var metrics = Prometheus.Metrics.WithCustomRegistry(Registry);
        _requestDuration = metrics.CreateHistogram("scheduler_api_request_duration_seconds",
            "Time to answer an API request, by route template (never the raw path), method and status class. Streams (SSE) are left out.",
            ["route", "method", "status_class"],
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _deploymentsCreated = metrics.CreateCounter("scheduler_deployments_total", "Deployments created since the server started, by the organization's tier.", "tier");
        _deploymentsByState = metrics.CreateGauge("scheduler_deployments_by_state", "Deployments by their phase, platform-wide (read from the database).", "state");
        _outboxDepth = metrics.CreateGauge("scheduler_outbox_depth", "Rows waiting in an outbox (cluster: changes for the Kubernetes API, parked ones included; mail: mail not sent yet).", "outbox");
        _outboxAge = metrics.CreateGauge("scheduler_outbox_oldest_age_seconds", "How long the oldest waiting row of an outbox has waited (0 when it is empty).", "outbox");
        _syncErrors = metrics.CreateCounter("scheduler_sync_errors_total", "Outbox rows the cluster sync could not publish, by kind.", "kind");
        _sessions = metrics.CreateGauge("scheduler_sessions", "Live sessions, by the session backend.", "backend");
        _readErrors = metrics.CreateCounter("scheduler_metrics_database_read_errors_total", "Scrapes whose database counts could not be read (the last values are kept).");
        RuntimeMetrics.Register(Registry);
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>Per request: one lookup in a cache of the (bounded) series, and the observation.</summary>
    public void ObserveRequest(string route, string method, int status, TimeSpan duration) =>
        _requestSeries.GetOrAdd((route, KnownMethod(method), Math.Clamp(status / 100, 1, 5)),
            static (series, histogram) => histogram.WithLabels(series.Route, series.Method, StatusClasses[series.StatusClass - 1]), _requestDuration)
        .Observe(duration.TotalSeconds);

    /// <summary>A hostile client can send any method: only the standard ones become label values.</summary>
    private static string KnownMethod(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "PATCH" or "DELETE" or "OPTIONS" => method,
        _ => "OTHER",
    };

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var created = _services.GetRequiredService<DeploymentMetrics>();
        foreach (var tier in Enum.GetValues<Tier>())
            _deploymentsCreated.WithLabels(tier.ToCode()).IncTo(created.CreatedCount(tier));
        var sync = _services.GetService<ClusterSyncMetrics>();   // registered with KUBERNETES_ENABLED=true only
        foreach (var kind in Enum.GetValues<ClusterSyncErrorKind>())
            _syncErrors.WithLabels(ClusterSyncMetrics.Code(kind)).IncTo(sync?.Errors(kind) ?? 0);
        await RefreshDatabaseCountsAsync(cancellationToken);
    }

    private async Task RefreshDatabaseCountsAsync(CancellationToken cancellationToken)
    {
        if (_clock.GetUtcNow() - _lastDatabaseRead < _options.DatabaseReadInterval) return;
        await _databaseRead.WaitAsync(cancellationToken);
        try
        {
            if (_clock.GetUtcNow() - _lastDatabaseRead < _options.DatabaseReadInterval) return;   // a concurrent scrape read them
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.DatabaseReadTimeout);
            var statistics = await _services.GetRequiredService<IPlatformStatisticsReader>().ReadAsync(timeout.Token);
            var sessions = await _services.GetRequiredService<ISessionStore>().CountLiveAsync(_clock.GetUtcNow(), timeout.Token);
            foreach (var (phase, count) in statistics.DeploymentsByPhase) _deploymentsByState.WithLabels(phase.ToCode()).Set(count);
            foreach (var (outbox, backlog) in new[] { ("cluster", statistics.ClusterOutbox), ("mail", statistics.MailOutbox) })
            {
                _outboxDepth.WithLabels(outbox).Set(backlog.Depth);
                _outboxAge.WithLabels(outbox).Set(backlog.OldestAge.TotalSeconds);
            }
            _sessions.WithLabels(_sessionBackend.ToString().ToLowerInvariant()).Set(sessions);
            _lastDatabaseRead = _clock.GetUtcNow();
        }
        catch (Exception e) when (e is DbException or RedisException or TimeoutException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _readErrors.Inc();
            _logger.LogWarning("Metrics: the database counts could not be read ({Error}); the last values are kept", e.Message);
        }
        finally
        {
            _databaseRead.Release();
        }
    }
}
