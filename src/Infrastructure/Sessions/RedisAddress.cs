using System.Globalization;
using StackExchange.Redis;

namespace CleanScheduler.Infrastructure.Sessions;

/// <summary>
/// REDIS_ADDR: <c>host:port</c>, or a URL <c>redis://[user:password@]host[:port][/database]</c> (<c>rediss://</c>: TLS).
/// StackExchange.Redis reads only its own comma-separated format, so the URL is translated here.
/// </summary>
public static class RedisAddress
{
    public const int DefaultPort = 6379;

    /// <summary>The connection options, or an error that names the problem without repeating a password.</summary>
    public static bool TryParse(string text, out ConfigurationOptions options, out string error)
    {
        options = null!;
        var hasScheme = text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);
        if (!Uri.TryCreate(hasScheme ? text : "redis://" + text, UriKind.Absolute, out var url) || url.Host.Length == 0
            || (!hasScheme && (url.UserInfo.Length > 0 || url.AbsolutePath != "/" || !text.Contains(':', StringComparison.Ordinal))))
        {
            error = "must be host:port (redis.example.com:6379) or a URL redis://[user:password@]host[:port][/database] (rediss:// for TLS)";
            return false;
        }
        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            error = "must not have a query or fragment; put the database in the path (redis://host:6379/2)";
            return false;
        }
        var path = url.AbsolutePath.Trim('/');
        var database = 0;
        if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database))
        {
            error = $"has '/{path}' as its database; it must be a number (redis://host:6379/2)";
            return false;
        }

        var port = url.Port < 0 ? DefaultPort : url.Port;
        if (port == 0)
        {
            error = "has port 0; give the port Redis listens on (6379 by default)";
            return false;
        }

        var tls = url.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase);
        options = new ConfigurationOptions
        {
            EndPoints = { { url.IdnHost, port } },
            DefaultDatabase = database,
            Ssl = tls,
            SslHost = tls ? url.IdnHost : null,
            AbortOnConnectFail = false,   // start even when Redis is not up yet; requests needing it fail until it is
        };
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            options.User = user.Length > 0 ? user : null;
            options.Password = colon < 0 ? null : Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
        }
        error = "";
        return true;
    }
}
