using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

public static class DatabaseErrors
{
    /// <summary>
    /// True when the exception (or one it wraps) says the database cannot be reached right now. A serialization failure
    /// or a deadlock is transient to Npgsql too, but it is a lost race between requests, not an outage (<see cref="IsWriteConflict"/>).
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is NpgsqlException { IsTransient: true } and not PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected }
                or TimeoutException) return true;
        return false;
    }

    /// <summary>The server aborted the transaction for a concurrent one: nothing was written, and running it again from fresh state is safe.</summary>
    public static bool IsWriteConflict(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
}
