using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

public static class DatabaseErrors
{
    /// <summary>True when the exception (or one it wraps) says the database cannot be reached right now.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is NpgsqlException { IsTransient: true } or TimeoutException) return true;
        return false;
    }
}
