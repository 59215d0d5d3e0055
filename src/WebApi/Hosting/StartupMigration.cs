using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Infrastructure.Persistence;
using Npgsql;

namespace CleanScheduler.WebApi.Hosting;

public static class StartupMigration
{
    /// <summary>Migrates, then publishes the system templates that are missing.</summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app)
    {
        if (!await app.MigrateDatabaseAsync()) return false;
        await using var scope = app.Services.CreateAsyncScope();
        var published = await SystemTemplates.SeedAsync(
            scope.ServiceProvider.GetRequiredService<IAppDbContext>(), scope.ServiceProvider.GetRequiredService<Application.Features.Templates.TemplateSpecCache>(),
            TimeProvider.System, app.Lifetime.ApplicationStopping);
        if (published > 0) app.Logger.LogInformation("Published {Count} system template(s)", published);
        return true;
    }

    /// <summary>
    /// Brings the schema up to date before the server accepts requests. Waits up to 30 s for the database to come
    /// up; on failure prints one line saying why and returns false.
    /// </summary>
    public static async Task<bool> MigrateDatabaseAsync(this WebApplication app, TimeSpan? patience = null)
    {
        var logger = app.Services.GetRequiredService<ILogger<DatabaseMigrator>>();
        var deadline = DateTimeOffset.UtcNow + (patience ?? TimeSpan.FromSeconds(30));
        var target = new NpgsqlConnectionStringBuilder(app.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 4)))
        {
            try
            {
                await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
                return true;
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTimeOffset.UtcNow + delay < deadline)
            {
                logger.LogWarning("Database {Host}:{Port} not reachable yet ({Reason}); retrying", target.Host, target.Port, e.Message);
                await Task.Delay(delay);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                var line = $"startup error: cannot migrate database '{target.Database}' on {target.Host}:{target.Port}: {e.Message}";
                logger.LogCritical("{Error}", line);
                Console.Error.WriteLine(line);
                return false;
            }
        }
    }
}
