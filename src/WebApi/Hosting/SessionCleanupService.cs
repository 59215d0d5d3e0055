using CleanScheduler.Application.Common;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>Deletes sessions past their expiry or idle timeout every SESSION_CLEANUP_INTERVAL.</summary>
public sealed class SessionCleanupService(ISessionStore sessions, ServerSettings settings, TimeProvider clock, ILogger<SessionCleanupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SessionCleanupInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await sessions.DeleteExpiredAsync(clock.GetUtcNow(), stoppingToken);
                if (removed > 0) logger.LogInformation("Removed {Count} expired session(s)", removed);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Session cleanup failed; it runs again in {Interval}", settings.SessionCleanupInterval);
            }
        }
    }
}
