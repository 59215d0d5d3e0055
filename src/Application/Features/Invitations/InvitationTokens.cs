using System.Security.Cryptography;
using System.Text;

namespace CleanScheduler.Application.Features.Invitations;

/// <summary>Invitation tokens: 256 random bits, base64url; only their SHA-256 (hex) is stored.</summary>
public static class InvitationTokens
{
    public const int MaxLength = 128;

    public static (string Token, string Hash) New()
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
