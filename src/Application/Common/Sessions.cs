using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Common;

/// <summary>
/// A signed-in browser session. <see cref="Id"/> is the secret the cookie carries; stores keep only its hash, which is
/// also the session's public <see cref="Handle"/>. <see cref="Client"/> is the white-label client it was made for
/// (null: the platform's own hosts).
/// </summary>
public sealed record Session(
    string Id, UserId UserId, string Email, ClientId? Client, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    SessionDevice Device)
{
    public string Handle => SessionIds.Hash(Id);
}

/// <summary>Where a session was started: the browser's User-Agent (shortened) and the peer's IP address.</summary>
public sealed record SessionDevice(string? UserAgent, string? Ip)
{
    public const int MaxUserAgentLength = 256;

    public static readonly SessionDevice Unknown = new(null, null);

    public static SessionDevice From(string? userAgent, string? ip) => new(Shorten(userAgent), string.IsNullOrWhiteSpace(ip) ? null : ip);

    private static string? Shorten(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return null;
        var kept = userAgent.Where(c => !char.IsControl(c)).Take(MaxUserAgentLength).ToArray();
        return new string(kept, 0, kept.Length > 0 && char.IsHighSurrogate(kept[^1]) ? kept.Length - 1 : kept.Length);   // never half a character
    }
}

/// <summary>A session as its owner sees it in a list: the public handle, never the cookie's secret.</summary>
public sealed record SessionInfo(
    string Handle, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? UserAgent, string? Ip);

/// <summary>SESSION_IDLE_TIMEOUT: a session unused for this long ends, whatever its absolute expiry.</summary>
public sealed record SessionIdleTimeout(TimeSpan Value)
{
    /// <summary>Last-seen times move at most this often, so a busy client does not write on every request.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>When a session last seen at <paramref name="lastSeen"/> ends: idle timeout or absolute expiry, whichever comes first.</summary>
    public DateTimeOffset EndOf(DateTimeOffset lastSeen, DateTimeOffset expiresAt) => lastSeen + Value < expiresAt ? lastSeen + Value : expiresAt;

    public static bool IsTouchDue(DateTimeOffset lastSeen, DateTimeOffset now) => now - lastSeen >= TouchInterval;
}

/// <summary>
/// Server-side session records with an absolute expiry and an idle timeout (the store's <see cref="SessionIdleTimeout"/>).
/// Backends: memory, postgres, redis. Lists and revocations are scoped to one user on one client.
/// </summary>
public interface ISessionStore
{
    Task<Session> CreateAsync(UserId user, string email, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken,
        ClientId? client = null, SessionDevice? device = null);

    /// <summary>
    /// The session with this id, or null when it is unknown, past its absolute expiry or idle longer than the idle
    /// timeout at <paramref name="now"/>. A found session is seen at <paramref name="now"/> (written at most once per
    /// <see cref="SessionIdleTimeout.TouchInterval"/>).
    /// </summary>
    Task<Session?> GetAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>The live sessions of this user on this client, newest first.</summary>
    Task<IReadOnlyList<SessionInfo>> ListAsync(UserId user, ClientId? client, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends the live session with this handle if it is this user's on this client; false when there is none such.</summary>
    Task<bool> RevokeAsync(UserId user, ClientId? client, string handle, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Ends every live session of this user on this client but the one with <paramref name="keepHandle"/>; returns how many.</summary>
    Task<int> RevokeOthersAsync(UserId user, ClientId? client, string keepHandle, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes every session expired or idle too long at <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>How many sessions are live at <paramref name="now"/>, of every user and client (a metric).</summary>
    Task<long> CountLiveAsync(DateTimeOffset now, CancellationToken cancellationToken);
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

    /// <summary>Shape of a public handle: 64 lower-case hex digits (a SHA-256).</summary>
    public static bool LooksLikeHandle(string? handle) =>
        handle is { Length: 64 } && handle.All(char.IsAsciiHexDigitLower);

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
