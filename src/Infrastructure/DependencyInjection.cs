using CleanScheduler.Application.Common;
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
}

public static class DependencyInjection
{
    /// <summary>PostgreSQL (one data source shared by EF Core, the migrator and the session store) and the session store.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, string connectionString, SessionBackend sessions)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddDbContextPool<AppDbContext>((sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped<IAppDbContext>(sp => sp.GetRequiredService<AppDbContext>());
        services.AddScoped<IAccessReader, AccessReader>();
        services.AddSingleton<DatabaseMigrator>();
        if (sessions == SessionBackend.Postgres) services.AddSingleton<ISessionStore, PostgresSessionStore>();
        else services.AddSingleton<ISessionStore, InMemorySessionStore>();
        return services;
    }
}
