using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Application.Features.Tokens;

/// <summary>What an API token allows: <c>read</c> (GET, HEAD) or <c>write</c> (everything its user may do).</summary>
public enum ApiTokenScope
{
    Read,
    Write,
}

public static class ApiTokenScopes
{
    public static readonly string[] All = ["read", "write"];

    public static string ToCode(this ApiTokenScope scope) => scope == ApiTokenScope.Read ? "read" : "write";

    public static bool TryParse(string? code, out ApiTokenScope scope)
    {
        (var known, scope) = code switch
        {
            "read" => (true, ApiTokenScope.Read),
            "write" => (true, ApiTokenScope.Write),
            _ => (false, default),
        };
        return known;
    }
}

/// <summary>
/// A personal API token as stored: never its secret, only the secret's SHA-256 (kept by the store) and
/// <see cref="Prefix"/>, the secret's first characters, so that a person can tell their tokens apart.
/// <see cref="Client"/> is the white-label client it was made on (null: the platform's own hosts); it is valid only there.
/// <see cref="Organization"/>, when set, is the one organization the token reaches.
/// </summary>
public sealed record ApiToken(
    Guid Id, UserId User, ClientId? Client, string Name, ApiTokenScope Scope, OrganizationId? Organization, string Prefix,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>An unexpired token found by its secret, with its user's e-mail.</summary>
public sealed record ApiTokenMatch(ApiToken Token, string Email);

/// <summary>API tokens at rest (PostgreSQL). Revoking deletes the row.</summary>
public interface IApiTokenStore
{
    Task AddAsync(ApiToken token, string secretHash, CancellationToken cancellationToken);

    /// <summary>The user's tokens made on <paramref name="client"/>, newest first.</summary>
    Task<IReadOnlyList<ApiToken>> ListAsync(UserId user, ClientId? client, CancellationToken cancellationToken);

    Task<int> CountAsync(UserId user, CancellationToken cancellationToken);

    /// <summary>Deletes the user's token; false when the user has no such token on <paramref name="client"/>.</summary>
    Task<bool> DeleteAsync(Guid id, UserId user, ClientId? client, CancellationToken cancellationToken);

    /// <summary>The token whose secret hashes to <paramref name="secretHash"/>, or null when unknown or expired at <paramref name="now"/>.</summary>
    Task<ApiTokenMatch?> FindAsync(string secretHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records a use at <paramref name="now"/> unless one was recorded less than <see cref="ApiTokenSecrets.LastUsedPrecision"/> before.</summary>
    Task TouchAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken);
}

public static class ApiTokenSecrets
{
    public const string Marker = "cs_";
    public const int PrefixLength = 9;   // "cs_" and 6 characters (36 of the 256 bits)

    /// <summary>How often the last-used time is written at most: a busy integration costs one write a minute, not one per request.</summary>
    public static readonly TimeSpan LastUsedPrecision = TimeSpan.FromMinutes(1);

    private const int SecretLength = 46;   // "cs_" + 43 base64url characters

    /// <summary><c>cs_</c> and 256 random bits, base64url.</summary>
    public static string New() => Marker + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Cheap shape check before any lookup.</summary>
    public static bool LooksValid(string? secret) =>
        secret is { Length: SecretLength } && secret.StartsWith(Marker, StringComparison.Ordinal)
        && !secret.AsSpan(Marker.Length).ContainsAnyExcept(UrlSafe);

    private static readonly System.Buffers.SearchValues<char> UrlSafe =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
