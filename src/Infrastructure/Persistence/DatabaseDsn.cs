using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// Turns DATABASE_DSN into an Npgsql connection string. Accepts the URL form of the seeds
/// (<c>postgres://user:pass@host:5432/db?sslmode=disable</c>, also <c>postgresql://</c>) and plain Npgsql
/// connection strings (<c>Host=...;Username=...</c>).
/// </summary>
public static class DatabaseDsn
{
    public const string Expected =
        "a PostgreSQL URL (postgres://user:password@host:5432/database?sslmode=disable) or an Npgsql connection string (Host=...;Username=...;Database=...)";

    public static bool TryParse(string? dsn, out string connectionString, out string error)
    {
        connectionString = "";
        error = "";
        if (string.IsNullOrWhiteSpace(dsn))
        {
            error = $"is required: {Expected}";
            return false;
        }
        try
        {
            var builder = dsn.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
                || dsn.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(dsn.Trim())
                : new NpgsqlConnectionStringBuilder(dsn);
            if (string.IsNullOrEmpty(builder.Host))
            {
                error = $"names no host: {Expected}";
                return false;
            }
            connectionString = builder.ConnectionString;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException or KeyNotFoundException)
        {
            error = $"is malformed ({e.Message.TrimEnd('.')}): {Expected}";
            return false;
        }
    }

    public static string ToConnectionString(string dsn) =>
        TryParse(dsn, out var connectionString, out var error) ? connectionString : throw new ArgumentException($"DATABASE_DSN {error}");

    private static NpgsqlConnectionStringBuilder FromUrl(string dsn)
    {
        var uri = new Uri(dsn, UriKind.Absolute);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            if (separator >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            Apply(builder, key, value);
        }
        return builder;
    }

    private static void Apply(NpgsqlConnectionStringBuilder builder, string key, string value)
    {
        switch (key)
        {
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new ArgumentException($"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            case "sslrootcert": builder.RootCertificate = value; break;
            case "sslcert": builder.SslCertificate = value; break;
            case "sslkey": builder.SslKey = value; break;
            case "connect_timeout": builder.Timeout = PositiveInt(key, value); break;
            case "application_name": builder.ApplicationName = value; break;
            case "search_path": builder.SearchPath = value; break;
            case "pool_max_conns": builder.MaxPoolSize = PositiveInt(key, value); break;
            case "pool_min_conns": builder.MinPoolSize = PositiveInt(key, value, allowZero: true); break;
            case "host": builder.Host = value; break;   // e.g. a Unix socket directory
            default: throw new ArgumentException($"unsupported parameter '{key}'");
        }
    }

    private static int PositiveInt(string key, string value, bool allowZero = false) =>
        int.TryParse(value, out var number) && (number > 0 || (allowZero && number == 0))
            ? number
            : throw new ArgumentException($"{key} must be a {(allowZero ? "non-negative" : "positive")} integer, not '{value}'");
}
