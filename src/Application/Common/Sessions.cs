using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

/// <summary>
/// A signed-in browser session. <see cref="Id"/> is the secret the cookie carries; stores keep only its hash.
/// <see cref="Client"/> is the white-label client it was made for (null: the platform's own hosts).
/// </summary>
public sealed record Session(string Id, UserId UserId, string Email, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, ClientId? Client = null);

/// <summary>Server-side session records with an absolute expiry. Backends: memory, postgres.</summary>
public interface ISessionStore
{
    Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken, ClientId? client = null);

    /// <summary>The session with this id, or null when it is unknown or expired at <paramref name="now"/>.</summary>
    Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Removes every session expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

public static class SessionIds
{
    /// <summary>256 random bits, URL-safe.</summary>
    public static string New() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The form stores keep: a leaked table or heap dump gives no usable cookie.</summary>
    public static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    /// <summary>Cheap shape check before any store lookup: 43 URL-safe base64 characters.</summary>
    public static bool LooksValid(string? id) =>
        id is { Length: 43 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
