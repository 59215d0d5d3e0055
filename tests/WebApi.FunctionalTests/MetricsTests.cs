using System.Net;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using CleanScheduler.TestSupport;
using CleanScheduler.WebApi.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The server with its metrics listener on a free loopback port, database counts read on every scrape.</summary>
public sealed class MetricsFactory : ApiFactory
{
    public int MetricsPort { get; } = Loopback.FreePort();

    public Uri MetricsUrl => new($"http://127.0.0.1:{MetricsPort}/metrics");

    protected override IDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["METRICS_ADDR"] = $"127.0.0.1:{MetricsPort}" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(ServerMetricsOptions.Default with { DatabaseReadInterval = TimeSpan.Zero });
            services.AddSingleton<ClusterSyncMetrics>();   // as with KUBERNETES_ENABLED=true, without a cluster
        });
    }

    /// <summary>Scrapes the listener (the server is started first) and parses the answer with parse-prometheus-text-format.</summary>
    public async Task<PrometheusScrape> ScrapeAsync()
    {
        _ = Services;
        var scrape = await PrometheusScrape.ReadAsync(MetricsUrl);
        Assert.Equal(200, scrape.Status);
        return scrape;
    }
}

public sealed class MetricsTests(MetricsFactory factory) : IClassFixture<MetricsFactory>
{
    private const string Requests = "scheduler_api_request_duration_seconds";

    private static async Task<string> SystemTemplateAsync(Api api, string team, string name) =>
        (await api.ExpectAsync(api.GetAsync($"/api/templates?teamId={team}&visibility=system"), HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;

    [Fact]
    public async Task Requests_are_counted_by_route_template_method_and_status_class_never_by_raw_path()
    {
        var user = await factory.SignedUpAsync("requests");
        var missing = Guid.NewGuid();
        var before = await factory.ScrapeAsync();

        await user.ExpectAsync(user.GetAsync($"/api/deployments/{missing}"), HttpStatusCode.NotFound);
        await user.GetAsync($"/made-up/{missing}/path");
        (await user.Http.SendAsync(new HttpRequestMessage(new HttpMethod("BREW"), $"/api/deployments/{missing}"))).Dispose();
        await user.ExpectAsync(user.GetAsync("/api/me"), HttpStatusCode.OK);
        var after = await factory.ScrapeAsync();

        Assert.Equal("HISTOGRAM", after.Types[Requests]);
        double Delta(params (string, string)[] labels) => after.Value($"{Requests}_count", labels) - before.Value($"{Requests}_count", labels);
        Assert.Equal(1, Delta(("route", "/api/deployments/{id:guid}"), ("method", "GET"), ("status_class", "4xx")));
        Assert.Equal(1, Delta(("route", "/api/me"), ("method", "GET"), ("status_class", "2xx")));
        Assert.Equal(1, Delta(("route", RequestDurationMiddleware.Unmatched), ("method", "GET"), ("status_class", "4xx")));
        Assert.True(after.Of($"{Requests}_count", ("method", "OTHER")).Any(), "a made-up method is counted as OTHER");
        var labelValues = after.Samples.SelectMany(s => s.Labels.Values).ToList();
        Assert.DoesNotContain(labelValues, v => v.Contains(missing.ToString(), StringComparison.OrdinalIgnoreCase) || v == "BREW");
        var buckets = after.Of($"{Requests}_bucket", ("route", "/api/me"), ("method", "GET"), ("status_class", "2xx")).ToList();
        Assert.Contains(buckets, b => b.Labels["le"] == "+Inf" && b.Value == after.Value($"{Requests}_count", ("route", "/api/me"), ("method", "GET"), ("status_class", "2xx")));
        Assert.True(after.Value($"{Requests}_sum", ("route", "/api/me"), ("method", "GET"), ("status_class", "2xx")) > 0);
    }

    [Fact]
    public async Task Created_deployments_are_counted_by_tier_and_every_state_is_reported_from_the_database()
    {
        var owner = factory.As(ApiFactory.NewEmail("owner"));
        var (_, team) = await owner.CreateOrgAsync();
        var template = await SystemTemplateAsync(owner, team, "Static site");
        var before = await factory.ScrapeAsync();

        await owner.ExpectAsync(owner.PostAsync("/api/deployments", new { teamId = team, name = "site", templateId = template, values = new Dictionary<string, string?>() }),
            HttpStatusCode.Created);
        var after = await factory.ScrapeAsync();

        Assert.Equal("COUNTER", after.Types["scheduler_deployments_total"]);
        Assert.Equal(1, after.Value("scheduler_deployments_total", ("tier", "free")) - before.Value("scheduler_deployments_total", ("tier", "free")));
        Assert.Equal(["business", "enterprise", "free"], after.Of("scheduler_deployments_total").Select(s => s.Labels["tier"]).Order());
        Assert.Equal("GAUGE", after.Types["scheduler_deployments_by_state"]);
        Assert.Equal(["Deleting", "Failed", "Pending", "Provisioning", "Running", "Stopped"],
            after.Of("scheduler_deployments_by_state").Select(s => s.Labels["state"]).Order());
        Assert.Equal(1, after.Value("scheduler_deployments_by_state", ("state", "Pending")) - before.Value("scheduler_deployments_by_state", ("state", "Pending")));
    }

    [Fact]
    public async Task Outbox_backlogs_live_sessions_and_sync_errors_are_reported()
    {
        var user = await factory.SignedUpAsync("sessions");
        var sessions = factory.Services.GetRequiredService<ISessionStore>();
        var before = await factory.ScrapeAsync();

        await sessions.CreateAsync(new UserId(Guid.Parse(await user.UserIdAsync())), user.Email, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), CancellationToken.None);
        await using (var database = NpgsqlDataSource.Create(factory.ConnectionString))
        await using (var insert = database.CreateCommand("""
            INSERT INTO cluster_outbox (deployment_id, operation, namespace, name, created_at, next_attempt_at)
            VALUES (gen_random_uuid(), 'apply', 'sandbox-metrics', 'waiting', now() - interval '1 hour', 'infinity')
            """))
            await insert.ExecuteNonQueryAsync();
        factory.Services.GetRequiredService<ClusterSyncMetrics>().Error(ClusterSyncErrorKind.Rejected, rows: 2);
        var after = await factory.ScrapeAsync();

        Assert.Equal(1, after.Value("scheduler_sessions", ("backend", "postgres")) - before.Value("scheduler_sessions", ("backend", "postgres")));
        Assert.Equal(1, after.Value("scheduler_outbox_depth", ("outbox", "cluster")) - before.Value("scheduler_outbox_depth", ("outbox", "cluster")));
        Assert.InRange(after.Value("scheduler_outbox_oldest_age_seconds", ("outbox", "cluster")), 3600, 3600 + 300);
        Assert.Single(after.Of("scheduler_outbox_depth", ("outbox", "mail")));
        Assert.Single(after.Of("scheduler_outbox_oldest_age_seconds", ("outbox", "mail")));
        Assert.Equal("COUNTER", after.Types["scheduler_sync_errors_total"]);
        Assert.Equal(2, after.Value("scheduler_sync_errors_total", ("kind", "rejected")) - before.Value("scheduler_sync_errors_total", ("kind", "rejected")));
        Assert.Equal(["internal", "refused", "rejected", "secret_unreadable", "unavailable"],
            after.Of("scheduler_sync_errors_total").Select(s => s.Labels["kind"]).Order());
    }

    [Fact]
    public async Task Process_and_garbage_collector_metrics_are_reported()
    {
        var scrape = await factory.ScrapeAsync();

        Assert.InRange(scrape.Value("process_resident_memory_bytes"), 10e6, 10e9);
        Assert.True(scrape.Value("dotnet_gc_heap_size_bytes") > 0);
        Assert.True(scrape.Value("dotnet_gc_committed_bytes") > 0);
        Assert.True(scrape.Value("dotnet_gc_allocated_bytes_total") > 0);
        Assert.True(scrape.Value("process_cpu_seconds_total") > 0);
        Assert.Equal("COUNTER", scrape.Types["dotnet_collection_count_total"]);
        Assert.Single(scrape.Of("dotnet_collection_count_total", ("generation", "0")));
    }

    [Fact]
    public async Task The_grafana_dashboard_reads_only_metrics_the_server_serves_besides_the_operators()
    {
        var scrape = await factory.ScrapeAsync();

        Assert.DoesNotContain(GrafanaDashboard.MetricNames(), n => !n.StartsWith("cleanscheduler_", StringComparison.Ordinal) && !scrape.Types.ContainsKey(n));
    }

    [Fact]
    public async Task The_api_port_has_no_metrics_and_the_metrics_port_serves_nothing_else()
    {
        var user = await factory.SignedUpAsync("ports");
        using var plain = new HttpClient();

        await Api.ProblemAsync(user.GetAsync("/metrics"), HttpStatusCode.NotFound);
        var scrape = await factory.ScrapeAsync();
        using var api = await plain.GetAsync(new Uri(factory.MetricsUrl, "/api/me"));

        Assert.StartsWith("text/plain", scrape.ContentType);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }
}
