using System.Net;
using System.Net.Sockets;
using CleanScheduler.WebApi.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace CleanScheduler.WebApi.Metrics;

/// <summary>
/// METRICS_ADDR: the Prometheus listener, a Kestrel server of its own that answers /metrics and nothing else (the API
/// port has no /metrics), without authentication: keep it cluster-internal. Empty: no listener and no per-request cost.
/// </summary>
public static class MetricsComposition
{
    public static IServiceCollection AddServerMetrics(this IServiceCollection services, ServerSettings settings)
    {
        if (settings.MetricsAddr is not { } address) return services;
        services.TryAddSingleton(ServerMetricsOptions.Default);
        services.AddSingleton<ServerMetrics>();
        services.AddHostedService(sp => new MetricsListener(address, sp.GetRequiredService<ServerMetrics>()));
        return services;
    }

    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app, ServerSettings settings) =>
        settings.MetricsAddr is null ? app : app.UseMiddleware<RequestDurationMiddleware>();

    /// <summary>Starts at host start (a port in use stops the server with one line naming METRICS_ADDR) and stops with it.</summary>
    private sealed class MetricsListener(ListenAddress address, ServerMetrics metrics) : IHostedService
    {
        private KestrelMetricServer? _server;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var host = address.Host switch
            {
                null => "+",
                _ when IPAddress.TryParse(address.Host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 => $"[{address.Host}]",
                var name => name,
            };
            _server = new KestrelMetricServer(host, address.Port, "/metrics", metrics.Registry);
            try { _server.Start(); }
            catch (Exception e) when (Hosting.AddressInUseException.IsBindRefusal(e))
            {
                throw new Hosting.AddressInUseException("METRICS_ADDR", $"{address.Host ?? ""}:{address.Port}", e);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync() ?? Task.CompletedTask;
    }
}
